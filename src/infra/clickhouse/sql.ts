import { quoteIdentifier } from './clickhouse-client.js';

/**
 * SQL text for ClickHouse, built from trusted template text and escaped
 * values. ClickHouse 18.16 has no server-side query parameters, so every
 * value of an audit or analytics query becomes a literal here and nowhere
 * else: the stores only ever send `SqlFragment.text` made by this module.
 */
const fragmentBrand: unique symbol = Symbol('sql-fragment');

export interface SqlFragment {
  readonly [fragmentBrand]: true;
  readonly text: string;
}

/** What the `sql` tag accepts: text, non-negative integers, fragments, or non-empty lists of these. */
export type SqlValue = string | number | bigint | SqlFragment | readonly SqlValue[];

function fragment(text: string): SqlFragment {
  return Object.freeze({ [fragmentBrand]: true as const, text });
}

export function isSqlFragment(value: unknown): value is SqlFragment {
  return typeof value === 'object' && value !== null && (value as Partial<SqlFragment>)[fragmentBrand] === true;
}

// A lone surrogate has no UTF-8 form: it would reach the server as U+FFFD, not as the value asked for.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const namedEscapes: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/**
 * A ClickHouse string literal: backslash and quote escaped, control
 * characters written as escapes so the query text stays one printable line;
 * every other character passes through as UTF-8.
 */
export function sqlString(value: string): string {
  if (typeof value !== 'string') throw new TypeError(`sqlString expects a string, got ${typeof value}`);
  if (loneSurrogate.test(value)) throw new RangeError('a string with a lone surrogate cannot be sent to ClickHouse');
  const body = value.replace(
    /[\\'\x00-\x1f\x7f]/g,
    (char) => namedEscapes[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return `'${body}'`;
}

/**
 * A non-negative integer literal. Negative numbers are refused rather than
 * written: `x-${n}` with n = -1 would read as the start of a `--` comment.
 */
export function sqlUInt(value: number | bigint): string {
  if (typeof value === 'bigint') {
    if (value < 0n) throw new RangeError(`sqlUInt expects a non-negative integer, got ${value}`);
    return value.toString();
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`sqlUInt expects a non-negative safe integer, got ${String(value)}`);
  }
  return String(value);
}

export function sqlIdentifier(name: string): SqlFragment {
  return fragment(quoteIdentifier(name));
}

/** Takes `unknown`: callers outside the type checker (JSON input) must be refused too. */
function literal(value: unknown): string {
  if (isSqlFragment(value)) return value.text;
  if (typeof value === 'string') return sqlString(value);
  if (typeof value === 'number' || typeof value === 'bigint') return sqlUInt(value);
  if (Array.isArray(value)) {
    if (value.length === 0) throw new RangeError('an empty list has no SQL form');
    return value.map((item: unknown) => literal(item)).join(', ');
  }
  throw new TypeError(`a ${value === null ? 'null' : typeof value} value cannot be put in SQL`);
}

/** Tagged template: the literal parts are trusted text, every `${value}` is escaped by type. */
export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): SqlFragment {
  let text = strings[0] ?? '';
  values.forEach((value, index) => {
    text += literal(value) + (strings[index + 1] ?? '');
  });
  return fragment(text);
}

export function sqlJoin(parts: readonly SqlFragment[], separator: SqlFragment): SqlFragment {
  return fragment(parts.map((part) => part.text).join(separator.text));
}
