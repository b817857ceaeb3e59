export interface MaskSpec {
  style: 'keep-last' | 'initials' | 'email' | 'redact';
  keep?: number;
}

const hidden = '***';

/** First character (a whole code point) of each word, the rest hidden at a fixed width so lengths do not leak. */
function initials(text: string): string {
  return text
    .split(/(\s+)/)
    .map((part) => (part.trim() === '' ? part : `${Array.from(part)[0] ?? ''}${hidden}`))
    .join('');
}

/**
 * How a matched value is hidden. Each keeps a hint for the auditor (the last
 * digits of a phone, initials, an email's domain) and returns plain text, so
 * the masked body stays valid JSON.
 */
export const maskStyles: Record<MaskSpec['style'], (text: string, spec: MaskSpec) => string> = {
  'keep-last': (text, spec) => {
    const chars = Array.from(text);
    const keep = Math.min(spec.keep ?? 2, chars.length);
    return '*'.repeat(chars.length - keep) + chars.slice(chars.length - keep).join('');
  },
  initials,
  email: (text) => {
    const at = text.lastIndexOf('@');
    if (at <= 0) return initials(text);
    return `${Array.from(text)[0] ?? ''}${hidden}${text.slice(at)}`;
  },
  redact: () => hidden,
};
