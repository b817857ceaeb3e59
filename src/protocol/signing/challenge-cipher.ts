import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, randomBytes, type KeyObject } from 'node:crypto';
import { decodeStrictBase64, encodeBase64 } from './strict-base64.js';

/** DER prefixes of X25519 keys: PKCS#8 private, SubjectPublicKeyInfo public; the 32 raw bytes follow. */
const pkcs8X25519Prefix = Buffer.from('302e020100300506032b656e04220420', 'hex');
const spkiX25519Prefix = Buffer.from('302a300506032b656e032100', 'hex');

function rawKeyBytes(base64: string, prefix: Buffer, what: string): Buffer {
  const decoded = decodeStrictBase64(base64);
  if (decoded === null) throw new Error(`${what} must be standard base64`);
  const bytes = Buffer.from(decoded);
  if (bytes.length === 32) return bytes;
  if (bytes.length === prefix.length + 32 && bytes.subarray(0, prefix.length).equals(prefix)) return bytes.subarray(prefix.length);
  throw new Error(`${what} must be base64 of a raw 32-byte X25519 key or of its DER form`);
}

/** Reads an X25519 private key given as base64 of the raw 32 bytes or of PKCS#8 DER (ONDC's form). */
export function x25519PrivateKey(base64: string): KeyObject {
  const raw = rawKeyBytes(base64, pkcs8X25519Prefix, 'X25519 private key');
  return createPrivateKey({ key: Buffer.concat([pkcs8X25519Prefix, raw]), format: 'der', type: 'pkcs8' });
}

/** Reads an X25519 public key given as base64 of the raw 32 bytes or of SubjectPublicKeyInfo DER (ONDC's form). */
export function x25519PublicKey(base64: string): KeyObject {
  const raw = rawKeyBytes(base64, spkiX25519Prefix, 'X25519 public key');
  return createPublicKey({ key: Buffer.concat([spkiX25519Prefix, raw]), format: 'der', type: 'spki' });
}

/** The public half of an X25519 private key, as SubjectPublicKeyInfo DER in base64 (what registries publish). */
export function x25519PublicKeyDer(privateKeyBase64: string): string {
  return encodeBase64(createPublicKey(x25519PrivateKey(privateKeyBase64)).export({ format: 'der', type: 'spki' }));
}

function sharedSecret(privateKeyBase64: string, peerPublicKeyBase64: string): Buffer {
  return diffieHellman({ privateKey: x25519PrivateKey(privateKeyBase64), publicKey: x25519PublicKey(peerPublicKeyBase64) });
}

/**
 * The registry's on_subscribe challenge cipher, as the Beckn registry
 * specification and ONDC's reference utilities define it: the 32-byte X25519
 * shared secret of one side's private key and the other's public key is the
 * key of AES-256-ECB (PKCS#7 padding); the ciphertext travels as base64.
 * Either side computes the same secret, so the registry encrypts with its
 * private key and the subscriber's public key, and the subscriber decrypts
 * with its private key and the registry's public key.
 */
export function encryptChallenge(plaintext: string, ownPrivateKey: string, peerPublicKey: string): string {
  const cipher = createCipheriv('aes-256-ecb', sharedSecret(ownPrivateKey, peerPublicKey), null);
  return encodeBase64(Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]));
}

/** Inverse of encryptChallenge; throws when the ciphertext is not base64 or does not decrypt under this key pair. */
export function decryptChallenge(ciphertext: string, ownPrivateKey: string, peerPublicKey: string): string {
  const bytes = decodeStrictBase64(ciphertext);
  if (bytes === null || bytes.length === 0 || bytes.length % 16 !== 0) throw new Error('challenge must be base64 of whole AES blocks');
  const decipher = createDecipheriv('aes-256-ecb', sharedSecret(ownPrivateKey, peerPublicKey), null);
  return Buffer.concat([decipher.update(bytes), decipher.final()]).toString('utf8');
}

/** A fresh challenge: 32 random bytes as base64url text (the registry compares the answer with it). */
export function newChallenge(): string {
  return randomBytes(32).toString('base64url');
}
