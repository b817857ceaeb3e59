import type { RecordFilter } from './audit-store.js';
import type { KeysetPosition } from './cursor.js';
import { sql, sqlJoin, type SqlFragment } from './sql.js';

// started_at (DateTime) is written from UTC text but read in the server's
// time zone; a day of slack keeps the partition bounds right in any zone,
// while started_at_ms decides exactly.
const zoneSlackSeconds = 86_400;

/** Conditions on started time: exact on started_at_ms, plus bounds on started_at so whole months are skipped. */
export function timeConditions(from: Date | undefined, to: Date | undefined): SqlFragment[] {
  const conditions: SqlFragment[] = [];
  if (from !== undefined) {
    const fromMs = from.getTime();
    conditions.push(sql`started_at_ms >= ${fromMs}`);
    conditions.push(sql`started_at >= toDateTime(${Math.max(0, Math.floor(fromMs / 1000) - zoneSlackSeconds)})`);
  }
  if (to !== undefined) {
    const toMs = to.getTime();
    conditions.push(sql`started_at_ms < ${toMs}`);
    conditions.push(sql`started_at <= toDateTime(${Math.floor(toMs / 1000) + zoneSlackSeconds})`);
  }
  return conditions;
}

export function filterConditions(filter: RecordFilter): SqlFragment[] {
  const conditions = timeConditions(filter.from, filter.to);
  if (filter.action !== undefined) conditions.push(sql`action = ${filter.action}`);
  if (filter.direction !== undefined) conditions.push(sql`direction = ${filter.direction}`);
  if (filter.status !== undefined) conditions.push(sql`ack = ${filter.status}`);
  if (filter.subscriberId !== undefined) {
    conditions.push(sql`(sender = ${filter.subscriberId} OR receiver = ${filter.subscriberId})`);
  }
  return conditions;
}

/** Rows strictly after the position in (started_at_ms, id) order. */
export function afterPosition(position: KeysetPosition): SqlFragment {
  return sql`(started_at_ms, id) > (${position.startedAtMs}, ${position.id})`;
}

export function whereClause(conditions: readonly SqlFragment[]): SqlFragment {
  return conditions.length === 0 ? sql`` : sql`WHERE ${sqlJoin(conditions, sql` AND `)}`;
}
