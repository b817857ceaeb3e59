import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from '../logging/logger.js';
import { useLz4Codec } from './lz4-codec.js';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
}

const pinoLevelOf: Record<number, 'error' | 'warn' | 'info' | 'debug' | undefined> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs' own threshold follows pino's, so kafkajs never formats lines pino would drop. */
function kafkaLevelFor(logger: Logger): logLevel {
  if (logger.isLevelEnabled('debug')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('info')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.WARN;
  if (logger.isLevelEnabled('error')) return logLevel.ERROR;
  return logLevel.NOTHING;
}

function pinoLogCreator(logger: Logger): logCreator {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const method = pinoLevelOf[level];
      if (!method) return;
      // kafkajs stamps its own timestamp and logger name; pino adds both already.
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
      kafkaLogger[method]({ ...fields, kafka_namespace: namespace }, message);
    };
}

/**
 * A kafkajs client whose log output goes to the given pino logger.
 * Connection attempts fail fast (3 s) so an unreachable broker shows up quickly,
 * while retries (about half a minute in total) ride out a broker restart or a
 * group coordinator that is still loading. LZ4 batches (the message log's)
 * can be produced and consumed through every client it makes.
 */
export function createKafka(options: KafkaClientOptions): Kafka {
  useLz4Codec();
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 6 },
    logLevel: kafkaLevelFor(options.logger),
    logCreator: pinoLogCreator(options.logger),
  });
}
