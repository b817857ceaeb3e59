import { createHash } from 'node:crypto';

/** BLAKE2b with a 64-byte output (RFC 7693, unkeyed) of the raw body, standard base64. */
export function blake2b512Base64(body: Uint8Array): string {
  return createHash('blake2b512').update(body).digest('base64');
}
