import type { Response } from 'express';
import { AppError, type RouteSpec } from '../../infra/http/index.js';
import type { MessageRecord } from '../../protocol/message-log/index.js';
import type { AuditRouteDeps } from './audit-route-deps.js';
import { messagePageSchema, messagesQuerySchema, rawQuerySchema, transactionResponseSchema, verifyReportSchema } from './audit-schemas.js';
import type { AuditRole } from './auditor-auth.js';
import { recordView, recordViews, storedBytes } from './record-view.js';
import { recordFilter, uuidParam } from './route-input.js';
import { verifyRecord } from './verify-record.js';

const tag = 'audit';
const security = 'auditorToken';
const defaultLimit = 50;

/** JSON with every non-ASCII character escaped, so it can travel in an HTTP header. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

async function sendRaw(res: Response, record: MessageRecord, role: AuditRole, deps: AuditRouteDeps, format: string): Promise<void> {
  const view = await recordView(record, role, deps.piiRules, deps.maskBudget());
  const bytes = view.body_view === 'raw' ? storedBytes(record) : Buffer.from(view.raw_body, 'utf8');
  if (format === 'json') {
    res.json({
      record_id: record.id,
      headers: record.headers,
      body_view: view.body_view,
      body_base64: bytes.toString('base64'),
      body_sha256: record.body_sha256,
      body_truncated: record.body_truncated,
    });
    return;
  }
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Content-Disposition', `attachment; filename="${record.id}.body"`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Audit-Body-View', view.body_view);
  // Stored text may have been altered; only a well-formed digest goes into a header.
  res.setHeader('X-Audit-Body-Sha256', /^[0-9a-f]{64}$/.test(record.body_sha256) ? record.body_sha256 : 'malformed');
  res.setHeader('X-Audit-Body-Truncated', String(record.body_truncated));
  res.setHeader('X-Audit-Message-Headers', asciiJson(record.headers));
  res.status(200).end(bytes);
}

export function recordRoutes(deps: AuditRouteDeps): RouteSpec[] {
  const { store, guard, piiRules, maskBudget } = deps;
  const found = async (recordId: string) => {
    const record = await store.byId(recordId);
    if (record === null) throw new AppError('NOT_FOUND', `no message record ${recordId}`);
    return record;
  };

  return [
    {
      method: 'get',
      path: '/audit/transactions/:transactionId',
      summary: 'Every message of a transaction, in the order it started',
      tag,
      security,
      responses: {
        200: { description: 'The records, bodies masked for the auditor role', schema: transactionResponseSchema },
        400: { description: 'VALIDATION_FAILED: transactionId is not a UUID' },
        404: { description: 'No message of this transaction is logged' },
      },
      handler: guard(async ({ params }, res, role) => {
        const transactionId = uuidParam(params, 'transactionId');
        const records = await store.transaction(transactionId);
        if (records.length === 0) throw new AppError('NOT_FOUND', `no messages for transaction ${transactionId}`);
        res.json({ transaction_id: transactionId, records: await recordViews(records, role, piiRules, maskBudget()) });
      }),
    },
    {
      method: 'get',
      path: '/audit/messages',
      summary: 'Messages by action, subscriber, direction, status and time, a page at a time',
      tag,
      security,
      request: { query: messagesQuerySchema },
      responses: {
        200: { description: 'A page in (started_at, id) order; next_cursor continues after it, unaffected by later writes', schema: messagePageSchema },
      },
      handler: guard(async ({ query }, res, role) => {
        const page = await store.messages({
          ...recordFilter(query),
          limit: typeof query.limit === 'number' ? query.limit : defaultLimit,
          ...(typeof query.cursor === 'string' ? { cursor: query.cursor } : {}),
        });
        res.json({ records: await recordViews(page.records, role, piiRules, maskBudget()), next_cursor: page.nextCursor });
      }),
    },
    {
      method: 'get',
      path: '/audit/messages/:recordId/raw',
      summary: 'The body bytes and headers of a message as received or sent',
      tag,
      security,
      request: { query: rawQuerySchema },
      responses: {
        200: {
          description:
            'format=bytes (default): the body as the response, application/octet-stream, with the stored headers as JSON in ' +
            'X-Audit-Message-Headers and X-Audit-Body-View/-Sha256/-Truncated. format=json: {record_id, headers, body_view, ' +
            'body_base64, body_sha256, body_truncated}. auditor_pii gets the exact stored bytes; auditor gets the masked JSON ' +
            '(body_view masked), or nothing when the body is not JSON (withheld) or costs more than the masking budget of a ' +
            'response (over_budget). /verify always uses the stored bytes.',
          contentType: 'application/octet-stream',
        },
        400: { description: 'VALIDATION_FAILED: recordId is not a UUID, or an unknown format' },
        404: { description: 'No message record with this id' },
      },
      handler: guard(async ({ params, query }, res, role) => {
        const record = await found(uuidParam(params, 'recordId'));
        await sendRaw(res, record, role, deps, typeof query.format === 'string' ? query.format : 'bytes');
      }),
    },
    {
      method: 'post',
      path: '/audit/messages/:recordId/verify',
      summary: "Re-verifies a stored message's signatures against the key valid at the message's time",
      tag,
      security,
      responses: {
        200: {
          description: 'Verdicts from the stored bytes (never a masked view): body SHA-256 against the stored one, signature per header',
          schema: verifyReportSchema,
        },
        400: { description: 'VALIDATION_FAILED: recordId is not a UUID' },
        404: { description: 'No message record with this id' },
      },
      handler: guard(async ({ params }, res) => {
        const record = await found(uuidParam(params, 'recordId'));
        res.json(await verifyRecord(record, { registry: deps.registry, clockSkewSeconds: deps.clockSkewSeconds }));
      }),
    },
  ];
}
