import type { Kafka } from 'kafkajs';
import type { Logger } from '../../infra/logging/logger.js';
import type { MessageLog } from '../../protocol/message-log/index.js';
import { KafkaRelay, type RelaySettings, type RelayState } from './kafka-relay.js';
import { toRecordLine } from './record-line.js';
import { Spool, type SpoolDepth } from './spool.js';

export interface KafkaMessageLogOptions {
  kafka: Kafka;
  topic: string;
  spoolDir: string;
  /** Most bytes of records waiting for Kafka; beyond, `append` rejects. */
  spoolMaxBytes: number;
  logger: Logger;
  relay?: Partial<RelaySettings>;
  /** Size at which a spool segment file is closed; defaults to a 16th of spoolMaxBytes, within 64 KiB..64 MiB. */
  spoolSegmentBytes?: number;
}

/** The full profile's message log: durable locally at `append`, shipped to Kafka behind the request. */
export interface KafkaMessageLog extends MessageLog {
  /** Records accepted and not yet acknowledged by Kafka (the queue depth metric). */
  spoolDepth(): SpoolDepth;
  /** Readiness: rejects while the spool refuses records or records have waited for Kafka longer than stalledAfterMs. */
  checkSpool(): Promise<void>;
  relayState(): RelayState;
}

/**
 * 4 MiB requests of LZ4 batches: bench/audit.ts measured fewer, larger
 * requests shipping faster than 1 MB ones, and compressing keeps the
 * producer's CRC and socket work (kafkajs does both in JavaScript) small.
 */
const RELAY_DEFAULTS: RelaySettings = {
  batchSize: 4_000,
  batchBytes: 4 * 1024 * 1024,
  compression: 'lz4',
  lingerMs: 5,
  maxBackoffMs: 30_000,
  stalledAfterMs: 60_000,
  closeTimeoutMs: 5_000,
};

function defaultSegmentBytes(spoolMaxBytes: number): number {
  return Math.min(64 * 1024 * 1024, Math.max(64 * 1024, Math.floor(spoolMaxBytes / 16)));
}

/**
 * Opens (and recovers) the spool in `spoolDir` and starts the relay to
 * `topic`. Kafka need not be reachable: records wait in the spool. `close`
 * ships what it can within the relay's closeTimeoutMs; anything left stays
 * in the spool and ships after the next start.
 *
 * One process per spool folder. On disk it takes up to spoolMaxBytes of
 * unshipped records plus the shipped start of at most two segments.
 */
export async function openKafkaMessageLog(options: KafkaMessageLogOptions): Promise<KafkaMessageLog> {
  const logger = options.logger.child({ component: 'message-log' });
  const settings: RelaySettings = { ...RELAY_DEFAULTS, ...options.relay };
  const spool = await Spool.open({
    dir: options.spoolDir,
    maxBytes: options.spoolMaxBytes,
    segmentBytes: options.spoolSegmentBytes ?? defaultSegmentBytes(options.spoolMaxBytes),
    logger,
  });
  const relay = new KafkaRelay(options.kafka, options.topic, spool, settings, logger);
  relay.start();
  let closed = false;

  return {
    async append(record) {
      if (closed) throw new Error('message log is closed');
      const { line, bodyCutFrom } = toRecordLine(record);
      if (bodyCutFrom !== undefined) {
        logger.warn({ recordId: record.id, bodyChars: bodyCutFrom }, 'message record too large for Kafka: raw body cut, marked body_truncated');
      }
      await spool.append(line);
    },
    flush() {
      return spool.idle();
    },
    async close() {
      if (closed) return;
      closed = true;
      await spool.idle();
      await relay.stop();
      await spool.close();
      const depth = spool.depth();
      if (depth.records > 0) {
        logger.warn({ depth, spoolDir: options.spoolDir }, 'message log closed with records not yet in Kafka; they ship after the next start');
      }
    },
    spoolDepth() {
      return spool.depth();
    },
    async checkSpool() {
      const depth = spool.depth();
      if (spool.isFull()) {
        throw new Error(`message log spool is full (${depth.bytes} of ${options.spoolMaxBytes} bytes, ${depth.records} records wait for Kafka): messages are refused`);
      }
      const { stalledSince, lastError } = relay.state();
      if (stalledSince && Date.now() - stalledSince.getTime() > settings.stalledAfterMs) {
        const seconds = Math.round((Date.now() - stalledSince.getTime()) / 1000);
        throw new Error(`message log relay has shipped nothing to Kafka for ${seconds} s (${depth.records} records wait in the spool): ${lastError ?? 'produce request still retrying'}`);
      }
    },
    relayState() {
      return relay.state();
    },
  };
}
