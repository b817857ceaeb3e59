/**
 * `npm run audit-sink`: the consumer groups that move the protocol message
 * log and the business events from Kafka into ClickHouse (the audit sink and
 * the events sink, one process), with /health and /metrics on PORT. Stops
 * with one line when the configuration is wrong or lacks Kafka or ClickHouse;
 * SIGTERM lets the batch in flight commit, bounded by SHUTDOWN_TIMEOUT_MS.
 */
import { ConfigError, loadConfig, readEnv, type Config } from './config/index.js';
import { createLogger } from './infra/logging/logger.js';
import { startTracing, stopTracing } from './infra/tracing/index.js';
import { version } from './version.js';

// The kafkajs and http instrumentations patch their modules as they load: start tracing before the sink imports them.
await startTracing(readEnv(process.env), 'beckn-ride-audit-sink');
const { eventsSinkGroupOf, startAuditSinkService } = await import('./audit/sink/index.js');

function fail(message: string): never {
  process.stderr.write(`beckn-ride audit-sink: ${message}\n`);
  process.exit(1);
}

function configOrExit(): Config {
  let config: Config;
  try {
    config = loadConfig(readEnv(process.env)).config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    fail(error.message);
  }
  const missing = [config.kafka ? null : 'KAFKA_BROKERS', config.clickhouse ? null : 'CLICKHOUSE_URL'].filter(Boolean);
  if (missing.length > 0) fail(`${missing.join(' and ')} must be set: the sink moves records from Kafka into ClickHouse`);
  return config;
}

const config = configOrExit();
const logger = createLogger(config.logLevel).child({ process: 'audit-sink' });

process.on('unhandledRejection', (reason) => {
  logger.fatal({ err: reason }, 'unhandled promise rejection');
  process.exit(1);
});

const running = await startAuditSinkService(config, logger).catch((error: unknown) => {
  logger.fatal({ err: error }, 'audit sink start-up failed');
  process.exit(1);
});
const eventsGroup = eventsSinkGroupOf(config);
logger.info(
  { port: running.port, topic: config.audit.topic, group: config.audit.sinkGroup, events_topic: config.events.topic, events_group: eventsGroup, version },
  'audit sink listening',
);
process.stdout.write(
  `beckn-ride audit sink ${version} listening on http://${config.http.host}:${running.port}\n` +
    `  ${config.audit.topic} (group ${config.audit.sinkGroup}) -> ClickHouse ${config.clickhouse?.database}.beckn_message_log\n` +
    `  ${config.events.topic} (group ${eventsGroup}) -> ClickHouse ${config.clickhouse?.database}.business_events, business_cell_15m\n`,
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const deadline = setTimeout(() => {
    logger.error({ signal }, 'audit sink shutdown exceeded its bound, exiting');
    process.exit(1);
  }, config.http.shutdownTimeoutMs);
  deadline.unref();
  logger.info({ signal }, 'audit sink shutting down: finishing the batch in flight');
  const drained = await running.shutdown();
  logger.info({ drained }, 'audit sink shutdown complete');
  await stopTracing(2_000);
  process.exit(drained ? 0 : 1);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
