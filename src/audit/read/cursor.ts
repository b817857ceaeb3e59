import { AppError } from '../../infra/http/index.js';
import type { MessageRecord } from '../../protocol/message-log/index.js';
import { isUuid } from '../../infra/validation/index.js';

/** Where a page ends in the (started_at_ms, id) order every listing uses. */
export interface KeysetPosition {
  startedAtMs: number;
  id: string;
}

const base64UrlPattern = /^[A-Za-z0-9_-]{1,256}$/;

export function positionOf(record: MessageRecord): KeysetPosition {
  return { startedAtMs: Date.parse(record.started_at), id: record.id };
}

/** Orders like ClickHouse's `ORDER BY started_at_ms, id` (ids are ASCII, so code-unit order is byte order). */
export function comparePositions(a: KeysetPosition, b: KeysetPosition): number {
  if (a.startedAtMs !== b.startedAtMs) return a.startedAtMs - b.startedAtMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.startedAtMs, position.id]), 'utf8').toString('base64url');
}

function invalid(): AppError {
  return new AppError('VALIDATION_FAILED', 'invalid cursor', [{ path: '/cursor', message: 'is not a cursor this API issued' }]);
}

/**
 * Reads a cursor back. It is opaque to clients, but it arrives from them, so
 * it must decode to exactly what `encodeCursor` makes (same bytes when
 * re-encoded) before any of it reaches a query.
 */
export function decodeCursor(cursor: string): KeysetPosition {
  if (!base64UrlPattern.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid();
  const [startedAtMs, id] = parsed as unknown[];
  if (typeof startedAtMs !== 'number' || !Number.isSafeInteger(startedAtMs) || startedAtMs < 0) throw invalid();
  if (typeof id !== 'string' || !isUuid(id)) throw invalid();
  const position = { startedAtMs, id };
  if (encodeCursor(position) !== cursor) throw invalid();
  return position;
}
