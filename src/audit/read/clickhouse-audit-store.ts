import type { ClickHouseClient } from '../../infra/clickhouse/index.js';
import type { MessageRecord } from '../../protocol/message-log/index.js';
import { fromMessageRow, messageRowColumns, type MessageRow } from '../message-row.js';
import type { AuditStore, MessagePage, RecordFilter } from './audit-store.js';
import { afterPosition, filterConditions, whereClause } from './clickhouse-filter.js';
import { clickHouseStats } from './clickhouse-stats.js';
import { decodeCursor, encodeCursor, positionOf } from './cursor.js';
import { sql, sqlIdentifier, sqlJoin, type SqlFragment } from './sql.js';

const columns = sqlJoin(messageRowColumns.map(sqlIdentifier), sql`, `);
const columnsWithoutBody = sqlJoin(
  messageRowColumns.map((column) => (column === 'raw_body' ? sql`'' AS raw_body` : sqlIdentifier(column))),
  sql`, `,
);

/**
 * The audit store over `beckn_message_log` (migrations/clickhouse/0001).
 * Every read uses FINAL: a batch the sink replayed after a crash is still an
 * unmerged duplicate until ReplacingMergeTree merges it, and FINAL collapses
 * it at read time.
 */
export function createClickHouseAuditStore(client: ClickHouseClient): AuditStore {
  const select = async (query: SqlFragment): Promise<MessageRecord[]> => {
    const result = await client.query({ query: query.text, format: 'JSONEachRow' });
    return (await result.json<MessageRow>()).map(fromMessageRow);
  };
  const selectRecords = (where: SqlFragment, tail: SqlFragment) =>
    sql`SELECT ${columns} FROM beckn_message_log FINAL ${where} ${tail}`;

  return {
    transaction(transactionId) {
      return select(selectRecords(sql`WHERE transaction_id = ${transactionId}`, sql`ORDER BY started_at_ms, id`));
    },

    async messages(query): Promise<MessagePage> {
      const conditions = filterConditions(query);
      if (query.cursor !== undefined) conditions.push(afterPosition(decodeCursor(query.cursor)));
      // One row more than the page tells whether another page follows.
      const records = await select(selectRecords(whereClause(conditions), sql`ORDER BY started_at_ms, id LIMIT ${query.limit + 1}`));
      if (records.length <= query.limit) return { records, nextCursor: null };
      const page = records.slice(0, query.limit);
      return { records: page, nextCursor: encodeCursor(positionOf(page[page.length - 1] as MessageRecord)) };
    },

    async byId(recordId) {
      // Ids are unique; should a tampered copy sit under another sorting key, the latest ingested one is shown.
      const [record] = await select(selectRecords(sql`WHERE id = ${recordId}`, sql`ORDER BY ingested_at DESC LIMIT 1`));
      return record ?? null;
    },

    export(filter: RecordFilter) {
      const query = selectRecords(whereClause(filterConditions(filter)), sql`ORDER BY started_at_ms, id`);
      return streamRecords(client, query);
    },

    exportWithoutBodies(filter: RecordFilter) {
      const where = whereClause(filterConditions(filter));
      return streamRecords(client, sql`SELECT ${columnsWithoutBody} FROM beckn_message_log FINAL ${where} ORDER BY started_at_ms, id`);
    },

    stats(from, to) {
      return clickHouseStats(client, from, to);
    },
  };
}

/** Rows as ClickHouse sends them: pulling pauses the HTTP response, and stopping early closes it. */
async function* streamRecords(client: ClickHouseClient, query: SqlFragment): AsyncGenerator<MessageRecord> {
  const result = await client.query({ query: query.text, format: 'JSONEachRow' });
  const stream = result.stream<MessageRow>();
  try {
    for await (const rows of stream) {
      for (const row of rows) yield fromMessageRow(row.json());
    }
  } finally {
    stream.destroy();
  }
}
