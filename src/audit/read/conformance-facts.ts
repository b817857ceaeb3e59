import { parseIsoDuration } from '../../protocol/inbound/index.js';
import type { MessageRecord } from '../../protocol/message-log/index.js';
import { comparePositions, positionOf } from './cursor.js';

export const ruleIds = [
  'callback-received',
  'callback-within-ttl',
  'message-id-pairing',
  'transaction-id-constant',
  'order-id-consistent',
  'fulfillment-state-order',
  'timestamps-monotonic',
] as const;

export type RuleId = (typeof ruleIds)[number];

export interface Finding {
  rule: RuleId;
  message: string;
  record_ids: string[];
}

/** A record with what the rules read from its body. */
export interface RecordFacts {
  record: MessageRecord;
  startedMs: number;
  /** The parsed body when it is a complete JSON object. */
  body: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
  /** context.timestamp in ms; null when absent or not a time. */
  timestampMs: number | null;
  /** context.ttl in ms; null when absent or not an ISO-8601 duration. */
  ttlMs: number | null;
  /** Flow rules count only messages the receiver accepted (ACK), once: a repeat answered ACK again is not counted twice. */
  counted: boolean;
}

/** The same bytes under the same action and message_id, logged once or several times (sent and received, fanned out, retried). */
export interface LogicalMessage {
  action: string;
  messageId: string;
  facts: RecordFacts[];
  first: RecordFacts;
}

export interface RuleContext {
  transactionId: string;
  now: Date;
  /** How far back a context.timestamp may step in arrival order: two parties' clocks may disagree by this much. */
  clockSkewMs: number;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseBody(record: MessageRecord): Record<string, unknown> | null {
  if (record.body_encoding !== 'utf8' || record.body_truncated) return null;
  try {
    const body: unknown = JSON.parse(record.raw_body);
    return isObject(body) ? body : null;
  } catch {
    return null;
  }
}

function timeOf(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** The records in arrival order (started time, then id), with their bodies read once. */
export function factsOf(records: readonly MessageRecord[]): RecordFacts[] {
  return [...records]
    .sort((a, b) => comparePositions(positionOf(a), positionOf(b)))
    .map((record) => {
      const body = parseBody(record);
      const context = body !== null && isObject(body.context) ? body.context : null;
      return {
        record,
        startedMs: Date.parse(record.started_at),
        body,
        context,
        timestampMs: timeOf(context?.timestamp),
        ttlMs: typeof context?.ttl === 'string' ? parseIsoDuration(context.ttl) : null,
        counted: record.ack === 'ACK' && !record.duplicate,
      };
    });
}

/** Counted records grouped into logical messages, in order of first arrival. */
export function logicalMessages(facts: readonly RecordFacts[]): LogicalMessage[] {
  const groups = new Map<string, LogicalMessage>();
  for (const fact of facts) {
    const { action, message_id: messageId, body_sha256: sha } = fact.record;
    if (!fact.counted || messageId === null) continue;
    const key = JSON.stringify([action, messageId, sha]);
    const group = groups.get(key);
    if (group) group.facts.push(fact);
    else groups.set(key, { action, messageId, facts: [fact], first: fact });
  }
  return [...groups.values()];
}

export const idsOf = (facts: readonly RecordFacts[]) => facts.map((fact) => fact.record.id);
