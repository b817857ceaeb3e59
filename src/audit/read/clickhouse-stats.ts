import type { ClickHouseClient } from '../../infra/clickhouse/index.js';
import type { AuditStats } from './audit-store.js';
import { timeConditions, whereClause } from './clickhouse-filter.js';
import { sql, type SqlFragment } from './sql.js';
import { sortStats } from './stats-order.js';

/** UInt64 arrives as a JSON string. */
const count = (value: string | number) => Number(value);
const orNull = (value: string) => (value === '' ? null : value);

/**
 * The stats of [from, to) from aggregate functions over FINAL, four small
 * GROUP BY queries run side by side rather than one wide one, so each stays
 * plain SQL that 18.16 and current servers both run.
 */
export async function clickHouseStats(client: ClickHouseClient, from: Date, to: Date): Promise<AuditStats> {
  const range = timeConditions(from, to);
  const where = whereClause(range);
  const rows = async <T>(query: SqlFragment): Promise<T[]> => {
    const result = await client.query({ query: query.text, format: 'JSONEachRow' });
    return result.json<T>();
  };
  const [totals, byAction, nackCodes, counterparts] = await Promise.all([
    rows<{ total: string; transactions: string }>(
      sql`SELECT count() AS total, uniqExactIf(transaction_id, transaction_id != '') AS transactions
          FROM beckn_message_log FINAL ${where}`,
    ),
    rows<{ action: string; ack: string; n: string }>(
      sql`SELECT action, ack, count() AS n FROM beckn_message_log FINAL ${where} GROUP BY action, ack`,
    ),
    rows<{ code: string; n: string }>(
      sql`SELECT error_code AS code, count() AS n FROM beckn_message_log FINAL ${whereClause([...range, sql`ack = 'NACK'`])}
          GROUP BY error_code`,
    ),
    rows<{ counterpart: string; n: string; q: number[] }>(
      sql`SELECT if(direction = 'inbound', sender, receiver) AS counterpart, count() AS n,
                 quantiles(0.5, 0.9, 0.99)(latency_ms) AS q
          FROM beckn_message_log FINAL ${where} GROUP BY counterpart`,
    ),
  ]);
  const total = totals[0];
  return sortStats({
    from: from.toISOString(),
    to: to.toISOString(),
    total: total ? count(total.total) : 0,
    transactions: total ? count(total.transactions) : 0,
    by_action: byAction.map((row) => ({
      action: row.action,
      status: row.ack === 'ACK' || row.ack === 'NACK' ? row.ack : 'NONE',
      count: count(row.n),
    })),
    nack_codes: nackCodes.map((row) => ({ code: orNull(row.code), count: count(row.n) })),
    counterparts: counterparts.map((row) => ({
      counterpart: orNull(row.counterpart),
      count: count(row.n),
      latency_ms: { p50: row.q[0] ?? 0, p90: row.q[1] ?? 0, p99: row.q[2] ?? 0 },
    })),
  });
}
