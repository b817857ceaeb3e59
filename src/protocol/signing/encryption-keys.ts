import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { encodeBase64 } from './strict-base64.js';

export interface EncryptionKeyPair {
  /** Raw 32-byte X25519 public key, base64 (older Beckn registries). */
  publicKey: string;
  /** Raw 32-byte X25519 private key, base64. */
  privateKey: string;
  /** SubjectPublicKeyInfo DER, base64: the form ONDC's registry wants as encr_public_key. */
  publicKeyDer: string;
  /** PKCS#8 DER, base64: the form ONDC's tools read. */
  privateKeyDer: string;
}

/** X25519 pair for the registry's on_subscribe challenge. */
/** DER prefix of a PKCS#8 X25519 private key; the 32 raw bytes follow it. */
const pkcs8X25519Prefix = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** From 32 random bytes, not generateKeyPairSync (see generateEd25519KeyPair for why). */
export function generateEncryptionKeyPair(): EncryptionKeyPair {
  const privateKey = createPrivateKey({ key: Buffer.concat([pkcs8X25519Prefix, randomBytes(32)]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const publicJwk = publicKey.export({ format: 'jwk' });
  const privateJwk = privateKey.export({ format: 'jwk' });
  return {
    publicKey: encodeBase64(Buffer.from(publicJwk.x as string, 'base64url')),
    privateKey: encodeBase64(Buffer.from(privateJwk.d as string, 'base64url')),
    publicKeyDer: encodeBase64(publicKey.export({ format: 'der', type: 'spki' })),
    privateKeyDer: encodeBase64(privateKey.export({ format: 'der', type: 'pkcs8' })),
  };
}
