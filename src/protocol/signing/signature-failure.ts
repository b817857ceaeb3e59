import type { AuthorizationParams } from './authorization-params.js';

/** Why a signature header was refused; the edge maps each to a NACK code. */
export type SignatureFailure =
  | 'MISSING_HEADER'
  | 'MALFORMED_HEADER'
  | 'UNSUPPORTED_ALGORITHM'
  | 'NOT_YET_VALID'
  | 'EXPIRED'
  | 'BAD_SIGNATURE';

export type SignatureVerdict =
  | { ok: true; params: AuthorizationParams }
  | { ok: false; reason: SignatureFailure; detail: string };

export class SignatureHeaderError extends Error {
  override readonly name = 'SignatureHeaderError';

  constructor(
    readonly reason: SignatureFailure,
    message: string,
  ) {
    super(message);
  }
}
