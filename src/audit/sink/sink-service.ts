import type { Server } from 'node:http';
import type { Config } from '../../config/index.js';
import { checkClickHouse, createClickHouse, ensureDatabase, runClickHouseMigrations } from '../../infra/clickhouse/index.js';
import { drain, listen } from '../../infra/http/index.js';
import { checkKafka, createKafka, ensureTopics } from '../../infra/kafka/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import { createMetrics } from '../../infra/metrics/index.js';
import { Teardown } from '../../infra/teardown.js';
import { sourceTreePath } from '../../source-tree.js';
import { eventTopicSpec } from '../../events/index.js';
import { createEventsSink, type EventsSink } from '../../events/sink/index.js';
import { messageTopicSpec } from '../write/index.js';
import { createAuditSink, type AuditSink } from './audit-sink.js';
import { buildAuditSinkApp } from './sink-app.js';

const defaultMigrationsDir = sourceTreePath(new URL('../../../migrations/clickhouse/', import.meta.url));

/** The consumer group of the business events sink, beside the audit sink's. */
export const eventsSinkGroupOf = (config: Pick<Config, 'audit'>): string => `${config.audit.sinkGroup}-events`;

export interface RunningAuditSink {
  sink: AuditSink;
  /** The business events sink, run in the same process. */
  eventsSink: EventsSink;
  server: Server;
  port: number;
  /** Stops consuming (the batch in flight inserts and commits), drains HTTP, closes clients; resolves whether HTTP drained in time. */
  shutdown(): Promise<boolean>;
}

/**
 * The sink process as a service: ClickHouse database and migrations, the
 * message log and business event topics, two consumer groups (the audit sink
 * on the message log, the events sink on the business events, group
 * `<AUDIT_SINK_GROUP>-events`), and /health and /metrics on `config.http.port`
 * covering both.
 * Needs `config.kafka` and `config.clickhouse`. A failure while starting
 * closes whatever was already open.
 */
export async function startAuditSinkService(
  config: Config,
  logger: Logger,
  migrationsDir: string = defaultMigrationsDir,
): Promise<RunningAuditSink> {
  if (!config.kafka || !config.clickhouse) throw new Error('the audit sink needs KAFKA_BROKERS and CLICKHOUSE_URL');
  const teardown = new Teardown();
  try {
    const { url, database } = config.clickhouse;
    if (config.migrateOnStart) await ensureDatabase(url, database);
    const clickhouse = createClickHouse({ url, database, logger });
    teardown.add('clickhouse', () => clickhouse.close());
    if (config.migrateOnStart) await runClickHouseMigrations(clickhouse, migrationsDir, logger);

    const kafka = createKafka({ brokers: config.kafka.brokers, clientId: `${config.kafka.clientId}-audit-sink`, logger });
    const admin = kafka.admin();
    teardown.add('kafka-admin', () => admin.disconnect());
    const { topic } = config.audit;
    // The same spec as the producing side: whichever process starts first creates the topic identically.
    if (config.migrateOnStart) await ensureTopics(kafka, [messageTopicSpec(config.audit), eventTopicSpec(config.events)], logger);

    const metrics = createMetrics();
    const sink = createAuditSink({
      kafka,
      clickhouse,
      topic,
      groupId: config.audit.sinkGroup,
      batchSize: config.audit.sinkBatchSize,
      retentionMonths: config.audit.retentionMonths,
      logger,
      metrics,
    });
    await sink.start();
    teardown.add('audit-sink', () => sink.stop());
    const eventsSink = createEventsSink({
      kafka,
      clickhouse,
      topic: config.events.topic,
      groupId: eventsSinkGroupOf(config),
      batchSize: config.audit.sinkBatchSize,
      logger,
      metrics,
    });
    await eventsSink.start();
    teardown.add('events-sink', () => eventsSink.stop());

    const lifecycle = { draining: false };
    const app = buildAuditSinkApp({
      readiness: {
        kafka: () => checkKafka(admin),
        clickhouse: () => checkClickHouse(clickhouse),
        audit_sink: async () => {
          if (!sink.stats().running) throw new Error('the consumer is not running');
        },
        events_sink: async () => {
          if (!eventsSink.stats().running) throw new Error('the consumer is not running');
        },
      },
      readinessTimeoutMs: config.http.readinessTimeoutMs,
      isDraining: () => lifecycle.draining,
      metrics,
      metricsToken: config.http.metricsToken,
      logger,
    });
    const { server, port } = await listen(app, config.http.port, config.http.host);

    return {
      sink,
      eventsSink,
      server,
      port,
      async shutdown() {
        lifecycle.draining = true;
        // The sinks first: their batches in flight must commit before the ClickHouse client closes.
        await Promise.all([sink.stop(), eventsSink.stop()]);
        const drained = await drain(server, Math.floor(config.http.shutdownTimeoutMs * 0.3));
        await teardown.run(logger);
        return drained;
      },
    };
  } catch (error) {
    await teardown.run(logger);
    throw error;
  }
}
