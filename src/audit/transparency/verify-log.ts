import { createHash } from 'node:crypto';
import type { MessageRecord } from '../../protocol/message-log/index.js';
import { checkpointSignedBy, type Checkpoint } from './checkpoint.js';
import { consistencyProof, treeRoot, verifyConsistency } from './merkle.js';
import { isPeriod, periodOf, type Period } from './period.js';
import { compareLeaves, leafOf, type TreeLeaf } from './period-tree.js';

/** A record as the audit export writes it (NDJSON), with the view of its body. */
export type ExportedRecord = MessageRecord & { body_view?: string };

export type LogProblem =
  | { kind: 'CHECKPOINT_MALFORMED'; detail: string }
  | { kind: 'CHECKPOINT_BAD_SIGNATURE'; period: Period; tree_size: number; timestamp: string }
  | { kind: 'DUPLICATE_RECORD'; record_id: string }
  | { kind: 'BODY_DIGEST_MISMATCH'; record_id: string }
  | { kind: 'RECORDS_MISSING'; period: Period; tree_size: number; timestamp: string; covered: number }
  | { kind: 'RECORDS_ADDED'; period: Period; tree_size: number; timestamp: string; covered: number }
  | { kind: 'ROOT_MISMATCH'; period: Period; tree_size: number; timestamp: string; expected: string; computed: string; intact_up_to: number }
  | { kind: 'NOT_CONSISTENT'; period: Period; from_tree_size: number; from_timestamp: string; to_tree_size: number; to_timestamp: string };

export interface LogVerification {
  problems: LogProblem[];
  records: number;
  checkpoints: number;
  /** Checkpoints whose tree the export reproduces exactly. */
  confirmed: number;
}

function malformed(checkpoint: Checkpoint): string | null {
  const base64 = /^[A-Za-z0-9+/]+={0,2}$/;
  if (typeof checkpoint !== 'object' || checkpoint === null) return 'not an object';
  if (typeof checkpoint.period !== 'string' || !isPeriod(checkpoint.period)) return `period ${String(checkpoint.period)}`;
  if (!Number.isSafeInteger(checkpoint.tree_size) || checkpoint.tree_size < 0) return `tree_size ${String(checkpoint.tree_size)}`;
  if (typeof checkpoint.root_hash !== 'string' || Buffer.from(checkpoint.root_hash, 'base64').length !== 32 || !base64.test(checkpoint.root_hash)) return 'root_hash';
  for (const field of ['origin', 'covers_before', 'timestamp', 'signature'] as const) if (typeof checkpoint[field] !== 'string') return field;
  if (Number.isNaN(Date.parse(checkpoint.covers_before))) return 'covers_before';
  return null;
}

const bodyBytes = (record: ExportedRecord) => Buffer.from(record.raw_body, record.body_encoding === 'base64' ? 'base64' : 'utf8');

/**
 * Recomputes, from an export of the log, every checkpoint's tree and the
 * proofs between them, and reports each thing that does not hold:
 * checkpoints not signed by `publicKey`; a record twice; a raw body that
 * does not hash to its body_sha256; per checkpoint, fewer or more records
 * started before `covers_before` than its tree size (deleted or inserted),
 * a root that differs (with the size of the last earlier checkpoint of the
 * period that still matches, so the change lies after it); and between
 * successive checkpoints of a period, the consistency proof. The export
 * must hold whole periods (from the first of the month): the order is the
 * tree's, whatever order the lines come in.
 */
export function verifyLog(records: readonly ExportedRecord[], checkpoints: readonly Checkpoint[], publicKey: string): LogVerification {
  const problems: LogProblem[] = [];
  const ids = new Set<string>();
  const byPeriod = new Map<Period, TreeLeaf[]>();
  for (const record of records) {
    if (ids.has(record.id)) problems.push({ kind: 'DUPLICATE_RECORD', record_id: record.id });
    ids.add(record.id);
    if (record.body_view === 'raw' && !record.body_truncated && createHash('sha256').update(bodyBytes(record)).digest('hex') !== record.body_sha256) {
      problems.push({ kind: 'BODY_DIGEST_MISMATCH', record_id: record.id });
    }
    const period = periodOf(record.started_at);
    const leaves = byPeriod.get(period) ?? [];
    leaves.push(leafOf(record));
    byPeriod.set(period, leaves);
  }
  for (const leaves of byPeriod.values()) leaves.sort(compareLeaves);

  const valid: Checkpoint[] = [];
  for (const checkpoint of checkpoints) {
    const problem = malformed(checkpoint);
    if (problem !== null) problems.push({ kind: 'CHECKPOINT_MALFORMED', detail: problem });
    else if (!checkpointSignedBy(checkpoint, publicKey)) {
      problems.push({ kind: 'CHECKPOINT_BAD_SIGNATURE', period: checkpoint.period, tree_size: checkpoint.tree_size, timestamp: checkpoint.timestamp });
    } else valid.push(checkpoint);
  }

  let confirmed = 0;
  const periods = [...new Set(valid.map((checkpoint) => checkpoint.period))].sort();
  for (const period of periods) {
    const leaves = byPeriod.get(period) ?? [];
    const hashes = leaves.map((leaf) => leaf.hash);
    const series = valid.filter((c) => c.period === period).sort((a, b) => a.tree_size - b.tree_size || Date.parse(a.timestamp) - Date.parse(b.timestamp));
    let intactUpTo = 0;
    for (const checkpoint of series) {
      const at = { period, tree_size: checkpoint.tree_size, timestamp: checkpoint.timestamp };
      const cutoffMs = Date.parse(checkpoint.covers_before);
      const covered = leaves.filter((leaf) => leaf.startedAtMs < cutoffMs).length;
      if (covered < checkpoint.tree_size) problems.push({ kind: 'RECORDS_MISSING', ...at, covered });
      if (covered > checkpoint.tree_size) problems.push({ kind: 'RECORDS_ADDED', ...at, covered });
      const size = Math.min(checkpoint.tree_size, hashes.length);
      const computed = treeRoot(hashes, size).toString('base64');
      if (size === checkpoint.tree_size && computed === checkpoint.root_hash) {
        confirmed += 1;
        intactUpTo = size;
        continue;
      }
      problems.push({ kind: 'ROOT_MISMATCH', ...at, expected: checkpoint.root_hash, computed, intact_up_to: intactUpTo });
    }
    for (let i = 1; i < series.length; i += 1) {
      const from = series[i - 1] as Checkpoint;
      const to = series[i] as Checkpoint;
      const holds =
        to.tree_size <= hashes.length &&
        verifyConsistency(from.tree_size, to.tree_size, consistencyProof(hashes, from.tree_size, to.tree_size), Buffer.from(from.root_hash, 'base64'), Buffer.from(to.root_hash, 'base64'));
      if (!holds) {
        problems.push({ kind: 'NOT_CONSISTENT', period, from_tree_size: from.tree_size, from_timestamp: from.timestamp, to_tree_size: to.tree_size, to_timestamp: to.timestamp });
      }
    }
  }
  return { problems, records: records.length, checkpoints: checkpoints.length, confirmed };
}
