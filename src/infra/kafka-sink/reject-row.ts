import { isUtf8 } from 'node:buffer';
import type { KafkaMessage } from 'kafkajs';

/**
 * A dead-letter row of a Kafka-to-ClickHouse sink: `beckn_message_log_rejects`
 * (migrations/clickhouse/0002) and `business_events_rejects` (0005) share this shape.
 */
export interface RejectRow {
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: string;
  message_key: string;
  raw_value: string;
  value_encoding: 'utf8' | 'base64';
  error: string;
  kafka_timestamp_ms: number;
  rejected_at: string;
}

export const rejectRowColumns: [keyof RejectRow, ...(keyof RejectRow)[]] = [
  'kafka_topic', 'kafka_partition', 'kafka_offset', 'message_key', 'raw_value', 'value_encoding', 'error',
  'kafka_timestamp_ms', 'rejected_at',
];

function encode(bytes: Buffer | null): Pick<RejectRow, 'raw_value' | 'value_encoding'> {
  if (bytes === null) return { raw_value: '', value_encoding: 'utf8' };
  return isUtf8(bytes) ? { raw_value: bytes.toString('utf8'), value_encoding: 'utf8' } : { raw_value: bytes.toString('base64'), value_encoding: 'base64' };
}

/** The dead-letter row of a message that is not a readable record, keeping its exact bytes. */
export function toRejectRow(topic: string, partition: number, message: KafkaMessage, error: string, now: Date): RejectRow {
  const key = encode(message.key ?? null);
  return {
    kafka_topic: topic,
    kafka_partition: partition,
    // Offsets travel as strings: they are 64-bit and JSON numbers are not.
    kafka_offset: message.offset,
    message_key: key.value_encoding === 'utf8' ? key.raw_value : `base64:${key.raw_value}`,
    ...encode(message.value),
    error,
    kafka_timestamp_ms: Number(message.timestamp),
    rejected_at: now.toISOString().slice(0, 19).replace('T', ' '),
  };
}
