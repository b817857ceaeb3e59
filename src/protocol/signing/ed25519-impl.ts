/**
 * Raw Ed25519 (RFC 8032, pure) over 32-byte seeds and 32-byte public keys.
 * `sign` and `publicKeyFromSeed` throw a RangeError for a seed that is not
 * 32 bytes (a programming error); `verify` never throws and answers false
 * for any malformed key or signature, since those arrive from the network.
 */
export interface Ed25519Impl {
  sign(seed: Uint8Array, message: Uint8Array): Uint8Array;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  publicKeyFromSeed(seed: Uint8Array): Uint8Array;
}

export const seedLength = 32;
export const publicKeyLength = 32;
export const signatureLength = 64;

export function assertSeed(seed: Uint8Array): void {
  if (seed.length !== seedLength) throw new RangeError(`an Ed25519 seed is ${seedLength} bytes, got ${seed.length}`);
}
