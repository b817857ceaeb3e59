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
