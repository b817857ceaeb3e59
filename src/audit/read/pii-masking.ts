import type { MessageRecord } from '../../protocol/message-log/index.js';
import type { PiiRule, PiiRules } from './pii-rules.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Whether `path` (object keys from the root) matches a rule path with '*' and '**' wildcards. */
export function pathMatches(pattern: readonly string[], path: readonly string[], p = 0, q = 0): boolean {
  if (p === pattern.length) return q === path.length;
  const segment = pattern[p];
  if (segment === '**') return pathMatches(pattern, path, p + 1, q) || (q < path.length && pathMatches(pattern, path, p, q + 1));
  return q < path.length && (segment === '*' || segment === path[q]) && pathMatches(pattern, path, p + 1, q + 1);
}

const applies = (rule: PiiRule, path: readonly string[]) => rule.paths.some((pattern) => pathMatches(pattern, path));

/** Every string and number below a matched key, masked whole. */
function maskAll(node: Json, mask: (text: string) => string): Json {
  if (typeof node === 'string') return mask(node);
  if (typeof node === 'number') return mask(String(node));
  if (Array.isArray(node)) return node.map((item) => maskAll(item, mask));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, maskAll(value, mask)]));
  }
  return node;
}

function maskNode(node: Json, path: string[], rules: readonly PiiRule[]): Json {
  const whole = rules.find((rule) => rule.pattern === null && applies(rule, path));
  if (whole) return maskAll(node, whole.mask);
  if (typeof node === 'string') {
    return rules.reduce(
      (text, rule) => (rule.pattern !== null && applies(rule, path) ? text.replace(rule.pattern, (match) => rule.mask(match)) : text),
      node,
    );
  }
  if (Array.isArray(node)) return node.map((item) => maskNode(item, path, rules));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, maskNode(value, [...path, key], rules)]));
  }
  return node;
}

/** A parsed JSON value with the rules applied; the input is left untouched. */
export function maskJson(value: unknown, rules: PiiRules): unknown {
  return maskNode(value as Json, [], rules.rules);
}

/** raw: the stored bytes; masked: re-serialised JSON with PII hidden; withheld: not JSON, so it cannot be masked safely and is not shown. */
export type BodyView = 'raw' | 'masked' | 'withheld';

/**
 * The body the masked role may see. Only a complete UTF-8 JSON body can be
 * masked key by key; anything else (binary, truncated, not JSON) is withheld
 * rather than shown with PII possibly left in it.
 */
export function maskedBody(record: MessageRecord, rules: PiiRules): { raw_body: string; body_view: BodyView } {
  if (record.body_encoding !== 'utf8' || record.body_truncated) return { raw_body: '', body_view: 'withheld' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.raw_body);
  } catch {
    return { raw_body: '', body_view: 'withheld' };
  }
  return { raw_body: JSON.stringify(maskJson(parsed, rules)), body_view: 'masked' };
}
