import type { FieldCipher } from '../../infra/crypto/field-cipher.js';

/** The driver's phone number as the rider side stores it (`driver_phone_encrypted`, `driver_phone_hash`): never in plain text. */
export interface SealedPhone {
  encrypted: string;
  hash: string;
}

/** Seals the number a BPP named; none named, none stored. */
export function sealPhone(cipher: FieldCipher, phone: string | null | undefined): SealedPhone | null {
  if (phone === null || phone === undefined || phone.length === 0) return null;
  return { encrypted: cipher.encrypt(phone), hash: cipher.hash(phone) };
}
