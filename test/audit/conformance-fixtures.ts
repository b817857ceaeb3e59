import { randomUUID } from 'node:crypto';
import { checkConformance } from '../../src/audit/read/index.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { messageRecord } from './audit-read-fixtures.js';

export const t0 = Date.UTC(2031, 5, 1, 10, 0, 0);
export const at = (offsetMs: number) => new Date(t0 + offsetMs).toISOString();
/** Conformance is judged an hour after the flow began, when every ttl has run out, unless a test says otherwise. */
const later = new Date(t0 + 3_600_000);

interface Step {
  messageId?: string;
  /** Offset of context.timestamp when it is not the arrival time. */
  timestamp?: number | null;
  ttl?: string;
  ack?: MessageRecord['ack'];
  duplicate?: boolean;
  role?: MessageRecord['role'];
  message?: unknown;
  bodyTransactionId?: string;
}

/** One transaction seen by our BPP: requests come in, callbacks go out. */
export function flow() {
  const transactionId = randomUUID();
  const records: MessageRecord[] = [];
  const add = (action: string, offsetMs: number, step: Step = {}): MessageRecord => {
    const callback = action.startsWith('on_');
    const record = messageRecord({
      action,
      transaction_id: transactionId,
      message_id: step.messageId ?? randomUUID(),
      started_at: at(offsetMs),
      direction: callback ? 'outbound' : 'inbound',
      role: step.role ?? 'bpp',
      ack: step.ack === undefined ? 'ACK' : step.ack,
      duplicate: step.duplicate ?? false,
      body: {
        timestamp: step.timestamp === null ? 'not a time' : at(step.timestamp ?? offsetMs),
        ttl: step.ttl ?? 'PT30S',
        message: step.message ?? {},
        ...(step.bodyTransactionId ? { transactionId: step.bodyTransactionId } : {}),
      },
    });
    records.push(record);
    return record;
  };
  /** A request and its callback `afterMs` later, sharing a message_id. */
  const exchange = (action: string, offsetMs: number, afterMs = 1_000, callbackStep: Step = {}) => {
    const messageId = randomUUID();
    return [add(action, offsetMs, { messageId }), add(`on_${action}`, offsetMs + afterMs, { messageId, ...callbackStep })] as const;
  };
  const check = (now = later) => checkConformance(transactionId, records, { now });
  return { transactionId, records, add, exchange, check };
}

export const order = (id: string, state?: string, fulfillmentId = 'F1') => ({
  order: { id, ...(state ? { fulfillments: [{ id: fulfillmentId, state: { descriptor: { code: state } } }] } : {}) },
});
