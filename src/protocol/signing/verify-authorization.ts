import { type AuthorizationParams, supportedAlgorithm } from './authorization-params.js';
import { blake2b512Base64 } from './digest.js';
import { type Ed25519Impl, publicKeyLength } from './ed25519-impl.js';
import { nativeEd25519 } from './native-ed25519.js';
import type { SignatureVerdict } from './signature-failure.js';
import { signingStringBytes } from './signing-string.js';
import { decodeStrictBase64 } from './strict-base64.js';

export interface VerifyOptions {
  nowSeconds?: number;
  /** How far in the future `created` may be; 5 s unless configured. */
  clockSkewSeconds?: number;
  /** Another Ed25519 implementation, for cross-checks and benchmarks; node:crypto otherwise. */
  ed25519?: Ed25519Impl;
}

const defaultClockSkewSeconds = 5;

/**
 * Checks the time window, then the BLAKE2b digest of the raw body bytes
 * (never a re-serialised JSON) and the Ed25519 signature over the signing
 * string rebuilt from the header's created/expires. Input from the network
 * never makes it throw; a non-finite time or skew option (a caller's bug that
 * would silently disable the window checks) throws a RangeError.
 */
export function verifyParsedAuthorization(
  params: AuthorizationParams,
  body: Uint8Array,
  publicKeyBase64: string,
  options: VerifyOptions = {},
): SignatureVerdict {
  if (params.algorithm !== supportedAlgorithm) {
    return { ok: false, reason: 'UNSUPPORTED_ALGORITHM', detail: `algorithm "${params.algorithm}" is not supported` };
  }
  if (!Number.isSafeInteger(params.created) || !Number.isSafeInteger(params.expires) || params.expires < params.created) {
    return { ok: false, reason: 'MALFORMED_HEADER', detail: 'created and expires must be integers with expires >= created' };
  }
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const skew = options.clockSkewSeconds ?? defaultClockSkewSeconds;
  if (!Number.isFinite(now) || !Number.isFinite(skew) || skew < 0) {
    throw new RangeError(`nowSeconds and clockSkewSeconds must be finite (skew >= 0), got ${now} and ${skew}`);
  }
  if (params.created > now + skew) {
    return { ok: false, reason: 'NOT_YET_VALID', detail: `created ${params.created} is more than ${skew} s after now (${now})` };
  }
  // BECKN-006 and beckn-onix give no tolerance past expires.
  if (now > params.expires) {
    return { ok: false, reason: 'EXPIRED', detail: `expired at ${params.expires}, now ${now}` };
  }
  const publicKey = decodeStrictBase64(publicKeyBase64);
  if (publicKey === null || publicKey.length !== publicKeyLength) {
    return { ok: false, reason: 'BAD_SIGNATURE', detail: "the signer's registered public key is not a base64 32-byte Ed25519 key" };
  }
  const signature = decodeStrictBase64(params.signature);
  if (signature === null) {
    return { ok: false, reason: 'MALFORMED_HEADER', detail: 'signature is not standard base64' };
  }
  const message = signingStringBytes(params.created, params.expires, blake2b512Base64(body));
  if (!(options.ed25519 ?? nativeEd25519).verify(publicKey, message, signature)) {
    return { ok: false, reason: 'BAD_SIGNATURE', detail: 'the signature does not match the body and the signer\'s public key' };
  }
  return { ok: true, params };
}
