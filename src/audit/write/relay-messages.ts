import type { Message } from 'kafkajs';

/** Kafka header carrying the record id, so a consumer can dedupe without parsing the value. */
export const RECORD_ID_HEADER = 'record-id';

/**
 * The Kafka message for one spool line: the line itself as the value, keyed
 * by transaction id (the record id when there is none) so a transaction stays
 * on one partition, in order. Null when the line is not a record.
 */
export function toKafkaMessage(line: Buffer): Message | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { id, transaction_id: transactionId } = parsed as { id?: unknown; transaction_id?: unknown };
  if (typeof id !== 'string' || id === '') return null;
  const key = typeof transactionId === 'string' && transactionId !== '' ? transactionId : id;
  return { key, value: line, headers: { [RECORD_ID_HEADER]: id } };
}
