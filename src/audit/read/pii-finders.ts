/** Where a finder found PII in a string: [start, end) in UTF-16 code units, in order, not overlapping. */
export type Span = [start: number, end: number];

/** Finds the parts of a string a text rule masks. Each one must run in time linear in the text. */
export type Finder = (text: string) => Span[];

const at = 0x40;
const dot = 0x2e;
const isDigit = (code: number) => code >= 0x30 && code <= 0x39;
const isLetter = (code: number) => (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
const isLabelChar = (code: number) => isLetter(code) || isDigit(code) || code === 0x2d;
// Local part: letters, digits and . _ % + -
const isLocalChar = (code: number) => isLabelChar(code) || code === dot || code === 0x5f || code === 0x25 || code === 0x2b;

/**
 * End of the domain of an address whose '@' is just before `from`, or -1.
 * Labels are runs of letters, digits and '-' joined by single dots; the
 * address ends after the letters that begin its last label having at least
 * two (the top-level domain), as a backtracking regex would pick.
 */
function domainEnd(text: string, from: number): number {
  let position = from;
  while (position < text.length && isLabelChar(text.charCodeAt(position))) position += 1;
  if (position === from) return -1;
  let end = -1;
  while (text.charCodeAt(position) === dot && isLabelChar(text.charCodeAt(position + 1))) {
    const labelStart = position + 1;
    let letters = labelStart;
    while (letters < text.length && isLetter(text.charCodeAt(letters))) letters += 1;
    if (letters - labelStart >= 2) end = letters;
    position = letters;
    while (position < text.length && isLabelChar(text.charCodeAt(position))) position += 1;
  }
  return end;
}

/**
 * Email addresses in free text: what /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g
 * matches, found without backtracking. A local part is scanned leftwards
 * from its '@' and a domain rightwards, and neither may contain '@', so
 * every character is read at most a few times: a megabyte of letters without
 * '@' costs one indexOf, where the regex retried from every position.
 */
export function findEmailAddresses(text: string): Span[] {
  const spans: Span[] = [];
  let consumed = 0;
  for (let sign = text.indexOf('@'); sign !== -1; sign = text.indexOf('@', sign + 1)) {
    let start = sign;
    while (start > consumed && isLocalChar(text.charCodeAt(start - 1))) start -= 1;
    if (start === sign) continue;
    const end = domainEnd(text, sign + 1);
    if (end === -1) continue;
    spans.push([start, end]);
    consumed = end;
    sign = end - 1;
  }
  return spans;
}

/** The built-in finders a rule names with `find`. */
export const finders = {
  'email-address': findEmailAddresses,
} satisfies Record<string, Finder>;

export type FinderName = keyof typeof finders;

/** Every match of a regular expression compiled with the 'g' flag (rules check it is bounded first). */
export function patternFinder(pattern: RegExp): Finder {
  return (text) => Array.from(text.matchAll(pattern), (match): Span => [match.index, match.index + match[0].length]);
}
