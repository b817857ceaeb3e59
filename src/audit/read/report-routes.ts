import { AppError, type RouteSpec } from '../../infra/http/index.js';
import type { MessageRecord } from '../../protocol/message-log/index.js';
import type { AuditRouteDeps } from './audit-route-deps.js';
import { conformanceReportSchema, exportQuerySchema, statsQuerySchema, statsSchema } from './audit-schemas.js';
import type { AuditRole } from './auditor-auth.js';
import type { RecordFilter } from './audit-store.js';
import { checkConformance } from './conformance.js';
import { csvHeader, exportContentTypes, formatRecord, type ExportFormat } from './export-format.js';
import { recordView } from './record-view.js';
import { recordFilter, timeRange, uuidParam } from './route-input.js';
import { streamText } from './stream-response.js';

const tag = 'audit';
const security = 'auditorToken';

/**
 * Starts the export and waits for its first record before anything is sent,
 * so a store that cannot answer (ClickHouse down) still gets a JSON error
 * rather than an empty 200. The lines close the store's iterator when done.
 * An export holds as many records as the auditor asked for, so it has no
 * total budget: each record gets the budget of a whole response (a planted
 * body costs no more here than in /raw), and masking pauses for other
 * requests as it does there, beside the pace the client reads at.
 */
async function openExport(deps: AuditRouteDeps, filter: RecordFilter, format: ExportFormat, role: AuditRole): Promise<AsyncIterable<string>> {
  const records = deps.store.export(filter)[Symbol.asyncIterator]();
  const first = await records.next();
  const line = async (record: MessageRecord) => formatRecord(await recordView(record, role, deps.piiRules, deps.maskBudget()), format);
  return (async function* lines() {
    try {
      if (format === 'csv') yield csvHeader();
      for (let next = first; next.done !== true; next = await records.next()) yield await line(next.value);
    } finally {
      await records.return?.();
    }
  })();
}

export function reportRoutes(deps: AuditRouteDeps): RouteSpec[] {
  const { store, guard } = deps;

  return [
    {
      method: 'get',
      path: '/audit/transactions/:transactionId/conformance',
      summary: 'Flow checks of a transaction: callbacks, ttl, message_id pairing, ids, fulfillment states, timestamps',
      tag,
      security,
      responses: {
        200: { description: 'Each finding names its rule and the records involved', schema: conformanceReportSchema },
        400: { description: 'VALIDATION_FAILED: transactionId is not a UUID' },
        404: { description: 'No message of this transaction is logged' },
      },
      handler: guard(async ({ params }, res) => {
        const transactionId = uuidParam(params, 'transactionId');
        const records = await store.transaction(transactionId);
        if (records.length === 0) throw new AppError('NOT_FOUND', `no messages for transaction ${transactionId}`);
        res.json(checkConformance(transactionId, records, { now: deps.clock(), clockSkewMs: deps.clockSkewSeconds * 1000 }));
      }),
    },
    {
      method: 'get',
      path: '/audit/export',
      summary: 'Every message started in [from, to), streamed as NDJSON or CSV',
      tag,
      security,
      request: { query: exportQuerySchema },
      responses: {
        200: {
          description:
            'Streamed (chunked, read from storage as the client reads). NDJSON: one record per line as in /audit/messages. ' +
            'CSV: a header row, then one row per record. Bodies masked for the auditor role. A failure mid-stream aborts ' +
            'the response, so a partial export never looks complete.',
          contentType: 'application/x-ndjson',
        },
      },
      handler: guard(async ({ query }, res, role) => {
        const filter = recordFilter(query);
        const format: ExportFormat = query.format === 'csv' ? 'csv' : 'ndjson';
        const stamp = (filter.from as Date).toISOString().replace(/[:.]/g, '-');
        const lines = await openExport(deps, filter, format, role);
        res.status(200);
        res.setHeader('Content-Type', exportContentTypes[format]);
        res.setHeader('Content-Disposition', `attachment; filename="beckn-messages-${stamp}.${format}"`);
        res.setHeader('X-Content-Type-Options', 'nosniff');
        try {
          await streamText(res, lines);
        } catch (error) {
          if (!res.headersSent) throw error;
          deps.logger.error({ err: error }, 'audit export failed mid-stream');
          res.destroy(error as Error);
        }
      }),
    },
    {
      method: 'get',
      path: '/audit/stats',
      summary: 'Counts by action and status, NACK codes and latency percentiles per counterpart',
      tag,
      security,
      request: { query: statsQuerySchema },
      responses: { 200: { description: 'Aggregates over the messages started in [from, to)', schema: statsSchema } },
      handler: guard(async ({ query }, res) => {
        const { from, to } = timeRange(query);
        res.json(await store.stats(from as Date, to as Date));
      }),
    },
  ];
}
