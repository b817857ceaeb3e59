export {
  createClickHouse,
  ensureDatabase,
  quoteIdentifier,
  type ClickHouseClient,
  type ClickHouseOptions,
} from './clickhouse-client.js';
export { runClickHouseMigrations } from './clickhouse-migrations.js';
export { checkClickHouse } from './clickhouse-health.js';
