import type { Logger } from '../../infra/logging/logger.js';
import { readFileMessageLog, type MessageRecord } from '../../protocol/message-log/index.js';
import type { AuditStore, MessagePage, RecordFilter } from './audit-store.js';
import { comparePositions, decodeCursor, encodeCursor, positionOf, type KeysetPosition } from './cursor.js';
import { createStatsAccumulator } from './stats-accumulator.js';

function matches(record: MessageRecord, filter: RecordFilter): boolean {
  const startedMs = Date.parse(record.started_at);
  return (
    (filter.action === undefined || record.action === filter.action) &&
    (filter.direction === undefined || record.direction === filter.direction) &&
    (filter.status === undefined || record.ack === filter.status) &&
    (filter.subscriberId === undefined || record.sender === filter.subscriberId || record.receiver === filter.subscriberId) &&
    (filter.from === undefined || startedMs >= filter.from.getTime()) &&
    (filter.to === undefined || startedMs < filter.to.getTime())
  );
}

/** Index where `position` belongs in a list sorted by position. */
function insertionIndex(sorted: readonly MessageRecord[], position: KeysetPosition): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (comparePositions(positionOf(sorted[middle] as MessageRecord), position) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

const byPosition = (a: MessageRecord, b: MessageRecord) => comparePositions(positionOf(a), positionOf(b));

/**
 * The audit store over the embedded profile's JSON-lines message log
 * (`openFileMessageLog`). Every call reads the file from the start as a
 * stream, holding at most one page (or one transaction) of records; a log
 * that does not exist yet is empty.
 */
export function createFileAuditStore(path: string, options: { logger?: Logger } = {}): AuditStore {
  const all = () =>
    readFileMessageLog(path, (line) => options.logger?.warn({ path, line }, 'message log line is not JSON; skipped'));

  return {
    async transaction(transactionId) {
      const records: MessageRecord[] = [];
      for await (const record of all()) if (record.transaction_id === transactionId) records.push(record);
      return records.sort(byPosition);
    },

    async messages(query): Promise<MessagePage> {
      const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
      // The smallest limit + 1 records after the cursor, kept sorted; the extra one says whether a page follows.
      const keep = query.limit + 1;
      const smallest: MessageRecord[] = [];
      for await (const record of all()) {
        if (!matches(record, query)) continue;
        const position = positionOf(record);
        if (after !== null && comparePositions(position, after) <= 0) continue;
        const index = insertionIndex(smallest, position);
        if (index >= keep) continue;
        smallest.splice(index, 0, record);
        if (smallest.length > keep) smallest.pop();
      }
      if (smallest.length <= query.limit) return { records: smallest, nextCursor: null };
      const page = smallest.slice(0, query.limit);
      return { records: page, nextCursor: encodeCursor(positionOf(page[page.length - 1] as MessageRecord)) };
    },

    async byId(recordId) {
      for await (const record of all()) if (record.id === recordId) return record;
      return null;
    },

    /** In log order (when each record was written), since sorting would mean holding the whole log. */
    async *export(filter) {
      for await (const record of all()) if (matches(record, filter)) yield record;
    },

    async *exportWithoutBodies(filter) {
      for await (const record of all()) if (matches(record, filter)) yield { ...record, raw_body: '' };
    },

    async stats(from, to) {
      const stats = createStatsAccumulator(from, to);
      for await (const record of all()) if (matches(record, { from, to })) stats.add(record);
      return stats.result();
    },
  };
}
