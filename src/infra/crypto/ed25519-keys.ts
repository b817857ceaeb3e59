import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it. */
const pkcs8Ed25519Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface Ed25519KeyPair {
  seed: Buffer;
  publicKey: Buffer;
}

export function publicKeyFromSeed(seed: Buffer): Buffer {
  const privateKey = createPrivateKey({ key: Buffer.concat([pkcs8Ed25519Prefix, seed]), format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return Buffer.from(jwk.x as string, 'base64url');
}

/**
 * Accepts a base64 private key as the 32-byte seed or as the 64-byte
 * seed+public form (libsodium's secret key); in the latter the public half
 * must match the seed.
 */
export function parseEd25519PrivateKey(base64: string): Ed25519KeyPair {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length !== 32 && bytes.length !== 64) {
    throw new Error(`must decode to 32 or 64 bytes, got ${bytes.length}`);
  }
  const seed = bytes.subarray(0, 32);
  const publicKey = publicKeyFromSeed(seed);
  if (bytes.length === 64 && !publicKey.equals(bytes.subarray(32))) {
    throw new Error('its public half does not match its seed');
  }
  return { seed, publicKey };
}

/**
 * Any 32 random bytes are an Ed25519 seed. Not generateKeyPairSync: on Node 20
 * a JWK export of a key it made can deadlock the main thread when a garbage
 * collection inside the export frees the key-generation job (seen once: a
 * test process stuck in a futex wait under ExportJWKEdKey -> ~KeyGenJob).
 */
export function generateEd25519KeyPair(): Ed25519KeyPair {
  const seed = randomBytes(32);
  return { seed, publicKey: publicKeyFromSeed(seed) };
}
