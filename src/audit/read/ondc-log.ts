import type { AuditRecordView } from './record-view.js';

/**
 * A transaction in the input shape of ONDC's log validation service
 * (log-validation.ondc.org, POST /api/validate): the flow's messages by
 * action under `payload`. An action seen once is keyed by its name; one
 * seen several times (on_status, on_update, on_cancel) keys each message by
 * the action and the fulfillment state it reports, lower-cased
 * (`on_status_ride_started`), the way that service names the steps of a
 * mobility flow, or by its 1-based rank when it reports none or repeats one
 * (`on_status_2`).
 */
export interface OndcLog {
  domain: string;
  version: string;
  flow: string;
  bap_id: string;
  bpp_id: string;
  payload: Record<string, unknown>;
}

interface Message {
  action: string;
  body: { context?: Record<string, unknown>; message?: unknown };
}

function parsed(record: AuditRecordView): Message | null {
  if (record.body_truncated || (record.body_view !== 'raw' && record.body_view !== 'masked') || record.body_encoding !== 'utf8') return null;
  try {
    const body = JSON.parse(record.raw_body) as unknown;
    return body !== null && typeof body === 'object' && !Array.isArray(body) ? { action: record.action, body: body as Message['body'] } : null;
  } catch {
    return null;
  }
}

function fulfillmentState(body: Message['body']): string | null {
  const order = (body.message as { order?: { fulfillments?: { state?: { descriptor?: { code?: unknown } } }[] } } | undefined)?.order;
  const code = order?.fulfillments?.[0]?.state?.descriptor?.code;
  return typeof code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(code) ? code.toLowerCase() : null;
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');

/**
 * Builds the log from a transaction's records in started order. A message
 * appears once however many records hold it (sent by one of our roles and
 * received by another, or delivered again): records are one message when
 * their action and body digest agree. NACKed messages, repeats and bodies
 * the caller may not read (withheld, truncated) are left out; `omitted`
 * counts the records left out for those reasons.
 */
export function ondcLog(records: readonly AuditRecordView[], flow: string): { log: OndcLog; omitted: number } {
  const seen = new Set<string>();
  const messages: Message[] = [];
  let omitted = 0;
  for (const record of records) {
    const key = `${record.action}\n${record.body_sha256}`;
    if (seen.has(key)) continue;
    const message = record.ack === 'NACK' || record.duplicate ? null : parsed(record);
    if (message === null) {
      omitted += 1;
      continue;
    }
    seen.add(key);
    messages.push(message);
  }

  const counts = new Map<string, number>();
  for (const { action } of messages) counts.set(action, (counts.get(action) ?? 0) + 1);
  const ranks = new Map<string, number>();
  const payload: Record<string, unknown> = {};
  for (const message of messages) {
    const rank = (ranks.get(message.action) ?? 0) + 1;
    ranks.set(message.action, rank);
    let key = message.action;
    if ((counts.get(message.action) ?? 0) > 1) {
      const state = fulfillmentState(message.body);
      key = state === null ? `${message.action}_${rank}` : `${message.action}_${state}`;
      if (key in payload) key = `${key}_${rank}`;
    }
    payload[key] = message.body;
  }

  const context = messages.find((message) => message.body.context !== undefined)?.body.context ?? {};
  const withIds = messages.map((message) => message.body.context ?? {});
  return {
    log: {
      domain: text(context.domain),
      version: text(context.version) || text(context.core_version),
      flow,
      bap_id: text(withIds.find((c) => text(c.bap_id) !== '')?.bap_id),
      bpp_id: text(withIds.find((c) => text(c.bpp_id) !== '')?.bpp_id),
      payload,
    },
    omitted,
  };
}
