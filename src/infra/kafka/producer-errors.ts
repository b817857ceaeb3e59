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
