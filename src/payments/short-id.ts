import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * A short reference shown to people and sent to the gateway as its order or
 * refund id: 12 characters of an alphabet without look-alikes (0/O, 1/I),
 * 60 bits, so a unique-index clash is not a practical concern.
 */
export function shortId(): string {
  return Array.from(randomBytes(12), (byte) => ALPHABET[byte % ALPHABET.length]).join('');
}
