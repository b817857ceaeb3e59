import type { ClickHouseClient } from '../../infra/clickhouse/index.js';
import type { Logger } from '../../infra/logging/logger.js';

export const MESSAGE_LOG_TABLE = 'beckn_message_log';

/** `toYYYYMM` partition ids; anything else in system.parts never reaches the ALTER text. */
const MONTH_PARTITION = /^\d{6}$/;

/**
 * The first month kept, as yyyymm: the month `retentionMonths` before `now`
 * (UTC). Partitions of earlier months hold only records older than the
 * retention and are dropped whole; the oldest kept month may hold some, so a
 * record is never dropped before it is `retentionMonths` old.
 */
export function oldestKeptMonth(now: Date, retentionMonths: number): number {
  const months = now.getUTCFullYear() * 12 + now.getUTCMonth() - retentionMonths;
  return Math.floor(months / 12) * 100 + (months % 12) + 1;
}

/** The yyyymm partitions of `beckn_message_log` in the client's database, ascending. */
export async function messageLogPartitions(client: ClickHouseClient): Promise<string[]> {
  const result = await client.query({
    query: `SELECT DISTINCT partition FROM system.parts
            WHERE database = currentDatabase() AND table = '${MESSAGE_LOG_TABLE}' AND active
            ORDER BY partition`,
    format: 'JSONEachRow',
  });
  return (await result.json<{ partition: string }>()).map((row) => row.partition);
}

/**
 * Drops the monthly partitions of `beckn_message_log` older than
 * `retentionMonths` and returns their ids. ClickHouse 18.16 has no table TTL,
 * so this is the retention; dropping a partition is a metadata operation,
 * cheap whatever its size, and dropping one already gone is harmless, so
 * several sinks may run it at once.
 */
export async function dropExpiredPartitions(options: {
  clickhouse: ClickHouseClient;
  retentionMonths: number;
  logger: Logger;
  now?: Date;
}): Promise<string[]> {
  const { clickhouse, retentionMonths, logger } = options;
  const keepFrom = oldestKeptMonth(options.now ?? new Date(), retentionMonths);
  const expired = (await messageLogPartitions(clickhouse)).filter(
    (partition) => MONTH_PARTITION.test(partition) && Number(partition) < keepFrom,
  );
  for (const partition of expired) {
    await clickhouse.command({ query: `ALTER TABLE ${MESSAGE_LOG_TABLE} DROP PARTITION ${partition}` });
    logger.info({ partition, retention_months: retentionMonths }, 'audit retention dropped a monthly partition');
  }
  return expired;
}
