/**
 * keyId is `{subscriber_id}|{unique_key_id}|{algorithm}`. Each part is a
 * visible-ASCII token without the separator or a quote, so the header
 * always round-trips through the parser.
 */
const keyIdPartPattern = /^[\x21\x23-\x7b\x7d\x7e]+$/;

export function isKeyIdPart(value: string): boolean {
  return keyIdPartPattern.test(value);
}

export function formatKeyId(subscriberId: string, uniqueKeyId: string, algorithm: string): string {
  for (const [name, value] of [['subscriberId', subscriberId], ['uniqueKeyId', uniqueKeyId], ['algorithm', algorithm]] as const) {
    if (!isKeyIdPart(value)) {
      throw new RangeError(`${name} must be non-empty visible ASCII without '|' or '"', got ${JSON.stringify(value)}`);
    }
  }
  return `${subscriberId}|${uniqueKeyId}|${algorithm}`;
}
