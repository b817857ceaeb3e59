export {
  createClickHouse,
  ensureDatabase,
  quoteIdentifier,
  type ClickHouseClient,
  type ClickHouseOptions,
} from './clickhouse-client.js';
export { runClickHouseMigrations } from './clickhouse-migrations.js';
export { checkClickHouse } from './clickhouse-health.js';
export { isSqlFragment, sql, sqlIdentifier, sqlJoin, sqlString, sqlUInt, type SqlFragment, type SqlValue } from './sql.js';
