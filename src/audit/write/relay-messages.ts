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

/** The kafkajs error type (e.g. OUT_OF_ORDER_SEQUENCE_NUMBER) behind a possibly wrapped error. */
export function kafkaErrorType(error: unknown): string | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === 'string') return type;
  }
  return undefined;
}

/** Errors after which this producer's id or sequence numbers are no longer accepted: only a new producer helps. */
const PRODUCER_STATE_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING']);

export function needsNewProducer(error: unknown): boolean {
  const type = kafkaErrorType(error);
  return type !== undefined && PRODUCER_STATE_ERRORS.has(type);
}
