/**
 * The string a Beckn signature covers (BECKN-006): three LF-separated lines,
 * no trailing newline.
 */
export function signingString(created: number, expires: number, digestBase64: string): string {
  return `(created): ${created}\n(expires): ${expires}\ndigest: BLAKE-512=${digestBase64}`;
}

export function signingStringBytes(created: number, expires: number, digestBase64: string): Uint8Array {
  return new Uint8Array(Buffer.from(signingString(created, expires, digestBase64), 'utf8'));
}
