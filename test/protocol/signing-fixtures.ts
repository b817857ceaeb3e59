import { readFileSync } from 'node:fs';

/** Published Beckn/ONDC signing vectors (copied from the shared research notes). */
export interface SigningVector {
  id: string;
  signing_public_key_b64_raw32: string;
  signing_private_key_b64_64byte_seed_plus_pub: string;
  seed_b64_32?: string;
  created: number;
  expires: number;
  signing_string: string;
  signature_b64: string;
  authorization_header?: string;
  x_gateway_authorization_header?: string;
}

export interface SigningVectors {
  body_utf8_exact: string;
  blake2b_512_base64_of_body: string;
  blake2b_sanity: { input: string; hex: string; base64: string };
  vectors: SigningVector[];
}

export const signingVectors = JSON.parse(
  readFileSync(new URL('./fixtures/signing-vectors.json', import.meta.url), 'utf8'),
) as SigningVectors;

export const vectorBody = new Uint8Array(Buffer.from(signingVectors.body_utf8_exact, 'utf8'));

export function vectorHeader(vector: SigningVector): string {
  const header = vector.authorization_header ?? vector.x_gateway_authorization_header;
  if (header === undefined) throw new Error(`vector ${vector.id} has no header`);
  return header;
}

export function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

export function fromB64(value: string): Uint8Array {
  return new Uint8Array(Buffer.from(value, 'base64'));
}
