const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID in its canonical text form (any version, either case): what every id path parameter and stored id is. */
export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}
