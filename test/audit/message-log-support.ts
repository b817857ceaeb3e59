import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import type { LevelWithSilent } from 'pino';
import { RECORD_ID_HEADER } from '../../src/audit/write/index.js';
import { createLogger, type Logger } from '../../src/infra/logging/logger.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { uniqueTestName } from '../support/services.js';

export interface Shipped {
  key: string;
  recordId: string;
  value: string;
  partition: number;
}

/** Everything a fresh consumer group reads from `topic`, from the beginning, as it arrives. */
export async function collectTopic(kafka: Kafka, topic: string): Promise<{ received: Shipped[]; stop: () => Promise<void> }> {
  const groupId = uniqueTestName('message_log_group');
  // A short fetch wait keeps disconnect() quick: it waits for the fetch in flight.
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  const received: Shipped[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      received.push({
        key: message.key?.toString() ?? '',
        recordId: message.headers?.[RECORD_ID_HEADER]?.toString() ?? '',
        value: message.value?.toString() ?? '',
        partition,
      });
    },
  });
  return {
    received,
    stop: async () => {
      await consumer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** Messages written to `topic` so far, from the partitions' offsets: a duplicate shows here even before anyone reads it. */
export async function topicMessageCount(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

export async function tempSpoolDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'beckn-ride-test-spool-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('segment-')).sort();
}

/** A logger whose JSON lines the test can read back. */
export function capturingLogger(level: LevelWithSilent = 'info'): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void raw.push(line) });
  return { logger, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** The Kafka key the message log must use for `record`. */
export function expectedKey(record: MessageRecord): string {
  return record.transaction_id ?? record.id;
}
