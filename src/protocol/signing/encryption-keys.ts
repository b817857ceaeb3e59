import { generateKeyPairSync } from 'node:crypto';
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
export function generateEncryptionKeyPair(): EncryptionKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const publicJwk = publicKey.export({ format: 'jwk' });
  const privateJwk = privateKey.export({ format: 'jwk' });
  return {
    publicKey: encodeBase64(Buffer.from(publicJwk.x as string, 'base64url')),
    privateKey: encodeBase64(Buffer.from(privateJwk.d as string, 'base64url')),
    publicKeyDer: encodeBase64(publicKey.export({ format: 'der', type: 'spki' })),
    privateKeyDer: encodeBase64(privateKey.export({ format: 'der', type: 'pkcs8' })),
  };
}
