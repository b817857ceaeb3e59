import type { MessageRecord } from '../../protocol/message-log/index.js';
import { recordLeafHash } from './leaf.js';
import { periodBounds, type Period } from './period.js';

/** One leaf: the record it stands for and its hash. */
export interface TreeLeaf {
  id: string;
  startedAtMs: number;
  hash: Buffer;
}

/** The order of a period's leaves: started_at, then id (the order every audit listing uses). */
export function compareLeaves(a: Pick<TreeLeaf, 'startedAtMs' | 'id'>, b: Pick<TreeLeaf, 'startedAtMs' | 'id'>): number {
  if (a.startedAtMs !== b.startedAtMs) return a.startedAtMs - b.startedAtMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function leafOf(record: MessageRecord): TreeLeaf {
  return { id: record.id, startedAtMs: Date.parse(record.started_at), hash: recordLeafHash(record) };
}

/**
 * The leaves of a period in tree order, from records in any order (the
 * file store exports in log order). Only the hashes are kept.
 */
export async function periodLeaves(records: AsyncIterable<MessageRecord> | Iterable<MessageRecord>): Promise<TreeLeaf[]> {
  const leaves: TreeLeaf[] = [];
  for await (const record of records) leaves.push(leafOf(record));
  return leaves.sort(compareLeaves);
}

/** What a period's tree covers at a cutoff: records started in [period start, min(period end, cutoff)). */
export function coveredRange(period: Period, cutoff: Date): { from: Date; to: Date } {
  const { start, end } = periodBounds(period);
  return { from: start, to: new Date(Math.max(start.getTime(), Math.min(end.getTime(), cutoff.getTime()))) };
}
