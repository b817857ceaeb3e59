import { AppError, type RouteSpec } from '../../infra/http/index.js';
import {
  consistencyProof,
  inclusionProof,
  periodBounds,
  periodLeaves,
  periodOf,
  readCheckpoints,
  treeRoot,
  type TreeLeaf,
} from '../transparency/index.js';
import type { AuditRouteDeps } from './audit-route-deps.js';
import {
  checkpointListSchema,
  checkpointsQuerySchema,
  consistencyProofSchema,
  consistencyQuerySchema,
  inclusionProofSchema,
  inclusionQuerySchema,
  ondcLogQuerySchema,
  ondcLogSchema,
} from './proof-schemas.js';
import { ondcLog } from './ondc-log.js';
import { recordViews } from './record-view.js';
import { uuidParam } from './route-input.js';

const tag = 'audit';
const security = 'auditorToken';
const b64 = (hash: Buffer) => hash.toString('base64');

function beyondTree(size: number, leaves: number): AppError {
  return new AppError('CONFLICT', `the tree holds ${leaves} records now, fewer than ${size}`);
}

/**
 * The auditor's view of the log's Merkle trees (src/audit/transparency):
 * proofs over the tree the log holds now, to check against checkpoints kept
 * apart from it, and the checkpoints this process published. Also the
 * transaction export for ONDC's log validation service.
 */
export function proofRoutes(deps: AuditRouteDeps, checkpointDir: string | null): RouteSpec[] {
  const { store, guard } = deps;
  const leavesOf = async (period: string): Promise<TreeLeaf[]> => {
    const { start, end } = periodBounds(period);
    return periodLeaves(store.exportWithoutBodies({ from: start, to: end }));
  };

  return [
    {
      method: 'get',
      path: '/audit/transactions/:transactionId/ondc-log',
      summary: "A transaction's messages in the input shape of ONDC's log validation service",
      tag,
      security,
      request: { query: ondcLogQuerySchema },
      responses: {
        200: {
          description:
            '{domain, version, flow, bap_id, bpp_id, payload: {search, on_search, select, ...}}, bodies masked for the auditor role. ' +
            'X-Audit-Omitted-Records counts records left out (NACKed, repeats, bodies withheld or truncated).',
          schema: ondcLogSchema,
        },
        400: { description: 'VALIDATION_FAILED: transactionId is not a UUID, or a malformed flow' },
        404: { description: 'No message of this transaction is logged' },
      },
      handler: guard(async ({ params, query }, res, role) => {
        const transactionId = uuidParam(params, 'transactionId');
        const records = await store.transaction(transactionId);
        if (records.length === 0) throw new AppError('NOT_FOUND', `no messages for transaction ${transactionId}`);
        const { log, omitted } = ondcLog(await recordViews(records, role, deps.piiRules, deps.maskBudget()), typeof query.flow === 'string' ? query.flow : '');
        res.setHeader('X-Audit-Omitted-Records', String(omitted));
        res.json(log);
      }),
    },
    {
      method: 'get',
      path: '/audit/proofs/inclusion',
      summary: "Inclusion proof of a record in its period's tree of a given size",
      tag,
      security,
      request: { query: inclusionQuerySchema },
      responses: {
        200: { description: 'RFC 9162 inclusion proof, over the tree the log holds now', schema: inclusionProofSchema },
        400: { description: 'VALIDATION_FAILED: recordId is not a UUID, or treeSize is not a positive integer' },
        404: { description: 'No message record with this id' },
        409: { description: 'CONFLICT: the period holds fewer than treeSize records, or the record is not among the first treeSize' },
      },
      handler: guard(async ({ query }, res) => {
        const recordId = uuidParam(query as Record<string, string>, 'recordId');
        const treeSize = query.treeSize as number;
        const record = await store.byId(recordId);
        if (record === null) throw new AppError('NOT_FOUND', `no message record ${recordId}`);
        const period = periodOf(record.started_at);
        const leaves = await leavesOf(period);
        if (treeSize > leaves.length) throw beyondTree(treeSize, leaves.length);
        const index = leaves.findIndex((leaf) => leaf.id === recordId);
        if (index < 0 || index >= treeSize) throw new AppError('CONFLICT', `record ${recordId} is not among the first ${treeSize} records of ${period}`);
        const hashes = leaves.map((leaf) => leaf.hash);
        res.json({
          record_id: recordId,
          period,
          leaf_index: index,
          tree_size: treeSize,
          leaf_hash: b64(hashes[index] as Buffer),
          audit_path: inclusionProof(hashes, index, treeSize).map(b64),
          root_hash: b64(treeRoot(hashes, treeSize)),
        });
      }),
    },
    {
      method: 'get',
      path: '/audit/proofs/consistency',
      summary: "Consistency proof between two sizes of a period's tree",
      tag,
      security,
      request: { query: consistencyQuerySchema },
      responses: {
        200: { description: 'RFC 9162 consistency proof from the tree of first records to that of second', schema: consistencyProofSchema },
        400: { description: 'VALIDATION_FAILED: a malformed period or size, or first above second' },
        409: { description: 'CONFLICT: the period holds fewer than second records' },
      },
      handler: guard(async ({ query }, res) => {
        const period = query.period as string;
        const first = query.first as number;
        const second = query.second as number;
        if (first > second) throw new AppError('VALIDATION_FAILED', 'invalid first', [{ path: '/first', message: 'must not exceed second' }]);
        const hashes = (await leavesOf(period)).map((leaf) => leaf.hash);
        if (second > hashes.length) throw beyondTree(second, hashes.length);
        res.json({
          period,
          first,
          second,
          proof: consistencyProof(hashes, first, second).map(b64),
          first_root: b64(treeRoot(hashes, first)),
          second_root: b64(treeRoot(hashes, second)),
        });
      }),
    },
    {
      method: 'get',
      path: '/audit/checkpoints',
      summary: "The signed checkpoints this process published for a period's tree",
      tag,
      security,
      request: { query: checkpointsQuerySchema },
      responses: {
        200: { description: 'Read from AUDIT_CHECKPOINT_DIR; empty when no checkpoint is published here', schema: checkpointListSchema },
        400: { description: 'VALIDATION_FAILED: a malformed period' },
      },
      handler: guard(async ({ query }, res) => {
        const period = query.period as string;
        res.json({ period, checkpoints: checkpointDir === null ? [] : await readCheckpoints(checkpointDir, period) });
      }),
    },
  ];
}
