import { type KeyObject, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { type Ed25519Impl, assertSeed, publicKeyLength, signatureLength } from './ed25519-impl.js';

// Fixed DER headers of Ed25519 PKCS#8 private and SPKI public keys (RFC 8410);
// the raw 32 bytes follow them.
const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');
// Senders are few and long-lived, so a small cache covers a network; past the
// bound the least recently used key is dropped.
const publicKeyCacheSize = 1024;
const publicKeyCache = new Map<string, KeyObject>();

export function ed25519PrivateKeyObject(seed: Uint8Array): KeyObject {
  assertSeed(seed);
  return createPrivateKey({ key: Buffer.concat([pkcs8Prefix, seed]), format: 'der', type: 'pkcs8' });
}

/** Importing a KeyObject costs about as much as a verify, so verifies reuse them. */
function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const cacheKey = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1');
  const cached = publicKeyCache.get(cacheKey);
  if (cached !== undefined) {
    publicKeyCache.delete(cacheKey);
    publicKeyCache.set(cacheKey, cached);
    return cached;
  }
  const created = createPublicKey({ key: Buffer.concat([spkiPrefix, publicKey]), format: 'der', type: 'spki' });
  publicKeyCache.set(cacheKey, created);
  if (publicKeyCache.size > publicKeyCacheSize) {
    const oldest = publicKeyCache.keys().next();
    if (oldest.done !== true) publicKeyCache.delete(oldest.value);
  }
  return created;
}

/** A signing function bound to one key, built once: the outbound hot path. */
export function nativeSignerFor(seed: Uint8Array): (message: Uint8Array) => Uint8Array {
  const key = ed25519PrivateKeyObject(seed);
  return (message) => new Uint8Array(sign(null, message, key));
}

/** Ed25519 through node:crypto (OpenSSL). */
export const nativeEd25519: Ed25519Impl = {
  sign(seed, message) {
    return nativeSignerFor(seed)(message);
  },
  verify(publicKey, message, signature) {
    if (publicKey.length !== publicKeyLength || signature.length !== signatureLength) return false;
    try {
      return verify(null, message, publicKeyObject(publicKey), signature);
    } catch {
      return false;
    }
  },
  publicKeyFromSeed(seed) {
    const spki = createPublicKey(ed25519PrivateKeyObject(seed)).export({ format: 'der', type: 'spki' });
    return new Uint8Array(spki.subarray(spkiPrefix.length));
  },
};
