import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Encrypts sensitive fields (e.g. a driver's mobile number) for storage and
 * derives a keyed hash for equality lookups, so a column can be searched
 * without being decrypted and its hashes mean nothing without the key.
 */
export interface FieldCipher {
  /** `v1:<iv>:<tag>:<ciphertext>`, each part base64; a fresh IV every call. */
  encrypt(plaintext: string): string;
  /** Throws when the value was tampered with or sealed under another key. */
  decrypt(sealed: string): string;
  /** HMAC-SHA256 (base64) under a subkey of the encryption key; stable for a given key and input. */
  hash(value: string): string;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const HASH_LABEL = 'beckn-ride/hash';

/** `keyBase64` is config.secrets.encryptionKey: base64 of 32 bytes. */
export function createFieldCipher(keyBase64: string): FieldCipher {
  const key = Buffer.from(keyBase64, 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`the field encryption key must be ${KEY_BYTES} bytes, got ${key.length}`);
  // A separate subkey keeps the hash from ever reusing the encryption key directly.
  const hashKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), HASH_LABEL, KEY_BYTES));

  return {
    encrypt(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, iv.toString('base64'), tag.toString('base64'), ciphertext.toString('base64')].join(':');
    },
    decrypt(sealed) {
      const parts = sealed.split(':');
      if (parts.length !== 4 || parts[0] !== VERSION) throw new Error('not a v1 sealed field');
      const iv = Buffer.from(parts[1] ?? '', 'base64');
      const tag = Buffer.from(parts[2] ?? '', 'base64');
      const ciphertext = Buffer.from(parts[3] ?? '', 'base64');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('malformed sealed field');
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    },
    hash(value) {
      return createHmac('sha256', hashKey).update(value, 'utf8').digest('base64');
    },
  };
}
