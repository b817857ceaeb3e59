/** The audit queries' SQL builder lives with the ClickHouse client, shared with the analytics store. */
export { isSqlFragment, sql, sqlIdentifier, sqlJoin, sqlString, sqlUInt, type SqlFragment, type SqlValue } from '../../infra/clickhouse/index.js';
