import { QueryTypes, type Sequelize } from 'sequelize';
import { AppError, requireBearer, type RouteSpec } from '../infra/http/index.js';
import type { Outbox } from './outbound/index.js';

/**
 * The operator's view of the outbound dead letters (outbox entries in status
 * 'dead'): a page of them, newest first, and a replay that puts one back to
 * pending with a fresh attempt budget. Only what identifies a message is
 * shown (action, target, context ids, attempts, the last error), never its
 * body, which may carry a rider's personal data.
 */
export interface DeadLetterRoutesOptions {
  sequelize: Sequelize;
  outbox: Outbox;
  /** config.secrets.adminToken */
  adminToken: string;
  /**
   * Whether the domain reacts when a message of `action` dies (the BPP
   * cancels the booking of an undelivered on_confirm, the BAP fails the
   * waiting request). Such a letter is never replayed: its death has been
   * acted on, and sending it late would contradict what followed.
   */
  actedOnDeath?: (action: string) => boolean;
}

const tag = 'Protocol operations';
const security = 'adminToken';
const defaultLimit = 50;
const uuidPattern = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const uuidRe = new RegExp(uuidPattern);
/** `<dead since, RFC 3339 UTC with milliseconds>_<id>`: the `next_before` of the previous page. */
const cursorPattern = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const listQuerySchema = {
  $id: 'beckn-ride/dead-letters-query',
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, description: `Dead letters in the page (default ${defaultLimit}).` },
    before: { type: 'string', pattern: cursorPattern, description: 'The next_before of the previous page: continue with older dead letters.' },
  },
};

const deadLetterSchema = {
  $id: 'beckn-ride/dead-letter',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'role', 'action', 'target_subscriber_id', 'target_url', 'transaction_id', 'message_id', 'attempts', 'max_attempts', 'dead_reason', 'last_error', 'last_http_status', 'created_at', 'dead_since'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    role: { enum: ['bap', 'bpp', 'gateway'], description: 'Which of our roles sends it (and signs it).' },
    action: { type: 'string' },
    target_subscriber_id: { type: ['string', 'null'], description: "The receiver's subscriber id, from the message context (bap_id of a callback, bpp_id of a request)." },
    target_url: { type: 'string' },
    transaction_id: { type: ['string', 'null'] },
    message_id: { type: ['string', 'null'] },
    attempts: { type: 'integer', minimum: 0 },
    max_attempts: { type: 'integer', minimum: 1 },
    dead_reason: { type: ['string', 'null'] },
    last_error: { type: ['string', 'null'] },
    last_http_status: { type: ['integer', 'null'] },
    created_at: { type: 'string', format: 'date-time' },
    dead_since: { type: 'string', format: 'date-time' },
  },
};

const pageSchema = {
  $id: 'beckn-ride/dead-letter-page',
  type: 'object',
  additionalProperties: false,
  required: ['dead_letters', 'next_before'],
  properties: {
    dead_letters: { type: 'array', items: deadLetterSchema },
    next_before: { type: ['string', 'null'], description: 'Pass as `before` for the next (older) page; null on the last page.' },
  },
};

const replaySchema = {
  $id: 'beckn-ride/dead-letter-replay',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'status'],
  properties: { id: { type: 'string', format: 'uuid' }, status: { const: 'pending' } },
};

interface DeadLetterRow {
  id: string;
  role: 'bap' | 'bpp' | 'gateway';
  action: string;
  target_url: string;
  transaction_id: string | null;
  message_id: string | null;
  attempts: number;
  max_attempts: number;
  dead_reason: string | null;
  last_error: string | null;
  last_http_status: number | null;
  created_at: Date;
  dead_since: Date;
  body: Buffer;
}

function invalid(name: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `invalid ${name}: ${message}`, [{ path: `/${name}`, message }]);
}

function deadLetterId(params: Record<string, string>): string {
  const id = params.id ?? '';
  if (!uuidRe.test(id)) throw invalid('id', 'must be a dead letter id (a UUID)');
  return id.toLowerCase();
}

/** The page cursor: dead letters strictly older than (dead since, id) in the list order. */
function cursorOf(before: unknown): { deadSince: Date; id: string } | null {
  if (typeof before !== 'string') return null;
  const [at = '', id = ''] = before.split('_');
  const deadSince = new Date(at);
  if (Number.isNaN(deadSince.getTime())) throw invalid('before', 'not a time');
  return { deadSince, id: id.toLowerCase() };
}

function view(row: DeadLetterRow) {
  return {
    id: row.id,
    role: row.role,
    action: row.action,
    target_subscriber_id: targetSubscriberId(row),
    target_url: row.target_url,
    transaction_id: row.transaction_id,
    message_id: row.message_id,
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    dead_reason: row.dead_reason,
    last_error: row.last_error,
    last_http_status: row.last_http_status,
    created_at: row.created_at.toISOString(),
    dead_since: row.dead_since.toISOString(),
  };
}

const listSql = `
  SELECT id, role, action, target_url, transaction_id, message_id, attempts, max_attempts,
         dead_reason, last_error, last_http_status, created_at, updated_at AS dead_since, body
    FROM beckn_protocol.outbox
   WHERE status = 'dead' AND ($1::timestamptz IS NULL OR (updated_at, id) < ($1::timestamptz, $2::uuid))
   ORDER BY updated_at DESC, id DESC
   LIMIT $3`;

/**
 * The receiver's subscriber id from the stored body's context (bap_id of a
 * callback, bpp_id of a request); the body itself is dropped here and never
 * answered. A body that is not a JSON object yields null.
 */
function targetSubscriberId(row: DeadLetterRow): string | null {
  try {
    const context = (JSON.parse(row.body.toString('utf8')) as { context?: Record<string, unknown> }).context;
    const value = context?.[row.action.startsWith('on_') ? 'bap_id' : 'bpp_id'];
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

export function deadLetterRoutes(options: DeadLetterRoutesOptions): RouteSpec[] {
  const { sequelize, outbox, adminToken } = options;
  const authorize: RouteSpec['authorize'] = (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    requireBearer(req, adminToken, 'admin token');
  };

  return [
    {
      method: 'get',
      path: '/admin/dead-letters',
      summary: 'Outbound Beckn messages given up on (refused, or undeliverable after their attempts), most recently dead first; never their bodies',
      tag,
      security,
      authorize,
      request: { query: listQuerySchema },
      responses: { 200: { description: 'A page of dead letters and the cursor of the next one', schema: pageSchema } },
      handler: async ({ query }, res) => {
        const limit = typeof query.limit === 'number' ? query.limit : defaultLimit;
        const cursor = cursorOf(query.before);
        const rows = await sequelize.query<DeadLetterRow>(listSql, {
          bind: [cursor?.deadSince ?? null, cursor?.id ?? null, limit + 1],
          type: QueryTypes.SELECT,
        });
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        res.json({
          dead_letters: page.map(view),
          next_before: rows.length > limit && last ? `${last.dead_since.toISOString()}_${last.id}` : null,
        });
      },
    },
    {
      method: 'post',
      path: '/admin/dead-letters/:id/replay',
      summary: 'Puts a dead letter back to pending with its attempts reset; it is delivered (signed afresh) like any queued message',
      tag,
      security,
      authorize,
      responses: {
        202: { description: 'Queued again; the delivery worker sends it at its next round', schema: replaySchema },
        404: { description: 'No outbound message with this id' },
        409: { description: 'The message is not dead (pending, already replayed, or delivered), or its death was already acted on (an undelivered on_confirm cancelled its booking): nothing is queued' },
      },
      handler: async ({ params }, res) => {
        const id = deadLetterId(params);
        const dead = await outbox.get(id);
        if (dead?.status === 'dead' && options.actedOnDeath?.(dead.action)) {
          throw new AppError('CONFLICT', `outbound ${dead.action} ${id} is not replayed: its failure was already acted on (the booking or request it carried was closed)`);
        }
        if (!(await outbox.retryDead(id))) {
          const entry = await outbox.get(id);
          if (!entry) throw new AppError('NOT_FOUND', `no outbound message ${id}`);
          throw new AppError('CONFLICT', `outbound message ${id} is ${entry.status}, not dead; only a dead letter is replayed`);
        }
        res.status(202).json({ id, status: 'pending' });
      },
    },
  ];
}
