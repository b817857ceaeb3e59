import { signedHeaders, supportedAlgorithm } from './authorization-params.js';
import { buildAuthorizationHeader } from './build-authorization-header.js';
import { blake2b512Base64 } from './digest.js';
import type { Ed25519Impl } from './ed25519-impl.js';
import { formatKeyId } from './key-id.js';
import { nativeSignerFor } from './native-ed25519.js';
import { decodePrivateKey } from './signing-keys.js';
import { signingStringBytes } from './signing-string.js';
import { encodeBase64 } from './strict-base64.js';

export interface SigningKey {
  subscriberId: string;
  uniqueKeyId: string;
  /** base64 of the 32-byte seed or the 64-byte seed+public form. */
  privateKey: string;
}

export interface SignOptions {
  nowSeconds?: number;
  ttlSeconds?: number;
}

export interface Signer {
  readonly subscriberId: string;
  readonly uniqueKeyId: string;
  /** Raw 32-byte public key, base64, as published in the registry. */
  readonly publicKey: string;
  /** Signs the exact body bytes to be sent and returns the header value. */
  sign(body: Uint8Array, options?: SignOptions): string;
}

export interface SignerDefaults {
  /** Lifetime of outbound signatures; 300 s unless configured. */
  ttlSeconds?: number;
  /** Another Ed25519 implementation, for cross-checks and benchmarks; node:crypto otherwise. */
  ed25519?: Ed25519Impl;
}

const defaultTtlSeconds = 300;

function assertWholeSeconds(name: string, value: number, minimum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum) throw new RangeError(`${name} must be an integer >= ${minimum}, got ${value}`);
}

/** Decodes the key once (and builds its KeyObject once on the native path). */
export function createSigner(key: SigningKey, defaults: SignerDefaults = {}): Signer {
  formatKeyId(key.subscriberId, key.uniqueKeyId, supportedAlgorithm);
  const defaultTtl = defaults.ttlSeconds ?? defaultTtlSeconds;
  assertWholeSeconds('ttlSeconds', defaultTtl, 1);
  const { seed, publicKey } = decodePrivateKey(key.privateKey);
  const impl = defaults.ed25519;
  const signBytes = impl === undefined ? nativeSignerFor(seed) : (message: Uint8Array) => impl.sign(seed, message);
  return {
    subscriberId: key.subscriberId,
    uniqueKeyId: key.uniqueKeyId,
    publicKey: encodeBase64(publicKey),
    sign(body, options = {}) {
      const created = options.nowSeconds ?? Math.floor(Date.now() / 1000);
      const ttl = options.ttlSeconds ?? defaultTtl;
      assertWholeSeconds('nowSeconds', created, 0);
      assertWholeSeconds('ttlSeconds', ttl, 1);
      const expires = created + ttl;
      const signature = signBytes(signingStringBytes(created, expires, blake2b512Base64(body)));
      return buildAuthorizationHeader({
        subscriberId: key.subscriberId,
        uniqueKeyId: key.uniqueKeyId,
        algorithm: supportedAlgorithm,
        created,
        expires,
        headers: signedHeaders,
        signature: encodeBase64(signature),
      });
    },
  };
}
