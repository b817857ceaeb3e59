/**
 * Why a gateway call got no usable answer. Messages name the operation, the
 * path and what the gateway said (status, its error code and message), never
 * a header: the API key and client tokens travel only in headers and bodies
 * we send, and no error keeps those.
 */
export type GatewayErrorKind =
  /** No answer within the configured timeout: the gateway may or may not have acted. */
  | 'timeout'
  /** The connection failed before an answer. */
  | 'unreachable'
  /** 401/403: the API key or merchant id is wrong. */
  | 'unauthorized'
  /** Another 4xx (or a redirect): the gateway refused the request (its error code says why); repeating it will not help. */
  | 'rejected'
  /** 5xx or 429: the gateway failed or is shedding load. */
  | 'unavailable'
  /** A 2xx whose body is not the answer the API promises. */
  | 'malformed';

export class PaymentGatewayError extends Error {
  override readonly name = 'PaymentGatewayError';

  constructor(
    readonly kind: GatewayErrorKind,
    message: string,
    readonly httpStatus?: number,
    /** The gateway's `error_code`, when it sent one. */
    readonly gatewayErrorCode?: string,
  ) {
    super(message);
  }

  /** Worth another attempt when the call is idempotent. */
  get retryable(): boolean {
    return this.kind === 'timeout' || this.kind === 'unreachable' || this.kind === 'unavailable';
  }
}
