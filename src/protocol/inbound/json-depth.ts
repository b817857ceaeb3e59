const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Deepest nesting of arrays and objects a Beckn body may have. The deepest
 * official example (an ONDC TRV10 on_search catalogue) nests 12 levels; 32
 * leaves room for richer catalogues while keeping every recursive walk of a
 * body (schema validation, audit masking) far from the stack's limit.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Most items one array of a Beckn body may hold. A ride's catalogue lists a
 * handful of variants, fulfillments and tags; the schema validator's cost
 * grows faster than linearly on long arrays of failing items (32,000 take
 * seconds), so longer arrays are refused before validation.
 */
export const MAX_ARRAY_ITEMS = 1_000;

/**
 * True when the JSON text in `raw` nests arrays/objects deeper than
 * `maxDepth`. One pass over the bytes, without parsing or recursion, so it
 * can run before anything else touches the body. Brackets inside strings do
 * not count; the structural bytes are ASCII, which UTF-8 never uses inside a
 * multi-byte character. Malformed JSON is left for the parser to refuse.
 */
export function nestsDeeperThan(raw: Buffer, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

const COMMA = 0x2c;

/**
 * True when an array in the JSON text in `raw` holds more than `maxItems`
 * items (counted by its top-level commas). One pass, like nestsDeeperThan,
 * and run after it, so nesting is already bounded by MAX_JSON_DEPTH.
 */
export function hasArrayLongerThan(raw: Buffer, maxItems: number, maxDepth = MAX_JSON_DEPTH): boolean {
  // Per open bracket: whether it is an array, and the commas seen directly inside it.
  const isArray = new Uint8Array(maxDepth + 2);
  const commas = new Uint32Array(maxDepth + 2);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      depth++;
      if (depth > maxDepth + 1) return false; // left for the depth bound
      isArray[depth] = byte === OPEN_ARRAY ? 1 : 0;
      commas[depth] = 0;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      if (depth > 0) depth--;
    } else if (byte === COMMA && depth > 0 && isArray[depth] === 1) {
      // n commas separate n + 1 items.
      if (++commas[depth]! >= maxItems) return true;
    }
  }
  return false;
}
