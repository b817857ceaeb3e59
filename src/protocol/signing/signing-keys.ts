import { generateEd25519KeyPair, parseEd25519PrivateKey } from '../../infra/crypto/ed25519-keys.js';
import { decodeStrictBase64, encodeBase64 } from './strict-base64.js';

export interface DecodedPrivateKey {
  seed: Uint8Array;
  publicKey: Uint8Array;
}

/**
 * Reads a signing private key given as base64 of the 32-byte seed or of the
 * 64-byte seed+public form (libsodium, ONDC); the latter's public half must
 * match its seed. Throws an Error naming the problem.
 */
export function decodePrivateKey(base64: string): DecodedPrivateKey {
  if (decodeStrictBase64(base64) === null) throw new Error('signing private key must be standard base64');
  let pair: { seed: Buffer; publicKey: Buffer };
  try {
    pair = parseEd25519PrivateKey(base64);
  } catch (error) {
    throw new Error(`signing private key ${(error as Error).message}`);
  }
  return { seed: new Uint8Array(pair.seed), publicKey: new Uint8Array(pair.publicKey) };
}

export interface SigningKeyPair {
  /** Raw 32-byte Ed25519 public key, base64: the registry's signing_public_key. */
  publicKey: string;
  privateKeySeed: string;
  /** seed ‖ public, the libsodium/ONDC secret-key form of the same key. */
  privateKeyWithPublic: string;
}

export function generateSigningKeyPair(): SigningKeyPair {
  const { seed, publicKey } = generateEd25519KeyPair();
  return {
    publicKey: encodeBase64(publicKey),
    privateKeySeed: encodeBase64(seed),
    privateKeyWithPublic: encodeBase64(Buffer.concat([seed, publicKey])),
  };
}
