const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes standard, padded base64 and returns null for anything else.
 * Buffer.from(s, 'base64') silently skips invalid characters, which would let
 * a garbled key or signature decode to something that merely has the right
 * length; the round-trip check also rejects non-zero padding bits.
 */
export function decodeStrictBase64(value: string): Uint8Array | null {
  if (!base64Pattern.test(value)) return null;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.toString('base64') !== value) return null;
  return new Uint8Array(bytes);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
