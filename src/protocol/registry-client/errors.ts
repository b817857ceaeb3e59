export type KeyUnavailableReason =
  | 'UNKNOWN_SUBSCRIBER'
  | 'UNKNOWN_KEY'
  | 'NOT_SUBSCRIBED'
  | 'NOT_YET_VALID'
  | 'EXPIRED'
  | 'REGISTRY_UNAVAILABLE';

/**
 * No registry key can verify a signature by this keyId. Every reason but
 * REGISTRY_UNAVAILABLE is the sender's problem (401); REGISTRY_UNAVAILABLE is
 * ours, and the sender may retry.
 */
export class KeyUnavailableError extends Error {
  override readonly name = 'KeyUnavailableError';

  constructor(
    readonly reason: KeyUnavailableReason,
    readonly subscriberId: string,
    readonly uniqueKeyId: string,
    options?: { cause?: unknown },
  ) {
    super(`key ${subscriberId}|${uniqueKeyId} is unavailable: ${reason}`, options);
  }
}

/** The registry could not be asked or gave no usable answer (network, timeout, 5xx, 4xx, not an array). */
export class RegistryUnavailableError extends Error {
  override readonly name = 'RegistryUnavailableError';

  constructor(
    message: string,
    /** HTTP status of the last answer, when there was one. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
