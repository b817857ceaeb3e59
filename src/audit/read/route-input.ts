import { AppError } from '../../infra/http/index.js';
import type { RecordFilter } from './audit-store.js';
import { isUuid } from '../../infra/validation/index.js';

// DateTime on ClickHouse 18.16 ends in 2106; nothing the log holds is outside these bounds.
const earliestMs = 0;
const latestMs = Date.UTC(2100, 0, 1);

function invalid(path: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `invalid ${path.replace(/^\//, '')}`, [{ path, message }]);
}

/** A path parameter that must be a UUID (record and transaction ids). */
export function uuidParam(params: Record<string, string>, name: string): string {
  const value = params[name] ?? '';
  if (!isUuid(value)) throw invalid(`/${name}`, 'must be a UUID');
  return value;
}

/** An RFC 3339 time the query schema has already checked the shape of. */
function timeParam(query: Record<string, unknown>, name: 'from' | 'to'): Date | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  const ms = Date.parse(String(value));
  if (Number.isNaN(ms) || ms < earliestMs || ms >= latestMs) throw invalid(`/${name}`, 'must be a time between 1970 and 2100');
  return new Date(ms);
}

export function timeRange(query: Record<string, unknown>): { from?: Date; to?: Date } {
  const from = timeParam(query, 'from');
  const to = timeParam(query, 'to');
  if (from !== undefined && to !== undefined && from.getTime() >= to.getTime()) throw invalid('/to', 'must be after from');
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

/** The record filter of a query already validated by its schema (enums and patterns). */
export function recordFilter(query: Record<string, unknown>): RecordFilter {
  const filter: RecordFilter = timeRange(query);
  if (typeof query.action === 'string') filter.action = query.action;
  if (typeof query.subscriberId === 'string') filter.subscriberId = query.subscriberId;
  if (query.direction === 'inbound' || query.direction === 'outbound') filter.direction = query.direction;
  if (query.status === 'ACK' || query.status === 'NACK') filter.status = query.status;
  return filter;
}
