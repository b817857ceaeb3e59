import type { MessageRecord } from '../../protocol/message-log/index.js';
import { factsOf, logicalMessages, ruleIds, type Finding, type RuleContext, type RuleId } from './conformance-facts.js';
import { checkFulfillmentStates, checkOrderIds, checkTimestamps, checkTransactionIds } from './conformance-consistency-rules.js';
import { checkCallbacks, checkMessageIds, type PendingRequest } from './conformance-flow-rules.js';

export const ruleDescriptions: Readonly<Record<RuleId, string>> = {
  'callback-received': 'Every request we sent as BAP or received as BPP has an accepted callback once its ttl has run out',
  'callback-within-ttl': "Every callback arrives within the ttl of the request it answers, counted from the request's context.timestamp",
  'message-id-pairing': 'A callback carries the message_id of the request it answers; requests and unsolicited callbacks use fresh ones',
  'transaction-id-constant': "Every record's context.transaction_id is the transaction's",
  'order-id-consistent': 'Once assigned, the order id never changes',
  'fulfillment-state-order': 'Fulfillment states move forward only (PROFILE.md), RIDE_CANCELLED is terminal',
  'timestamps-monotonic': 'context.timestamp does not step back in arrival order (beyond the clock skew)',
};

export interface ConformanceReport {
  transaction_id: string;
  checked_at: string;
  conforms: boolean;
  records: number;
  /** Records the flow rules count: accepted (ACK) and not a repeat. */
  counted: number;
  rules: { id: RuleId; description: string; passed: boolean; findings: number }[];
  findings: Finding[];
  pending: PendingRequest[];
  /** Refused messages: listed, never paired. */
  nacked: { record_id: string; action: string; message_id: string | null; error_code: string | null }[];
}

export interface ConformanceOptions {
  now: Date;
  /** 5 s unless given: the clock skew the profile tolerates between parties. */
  clockSkewMs?: number;
}

/** Checks a transaction's records (any order) against the flow rules; pure. */
export function checkConformance(transactionId: string, records: readonly MessageRecord[], options: ConformanceOptions): ConformanceReport {
  const context: RuleContext = { transactionId, now: options.now, clockSkewMs: options.clockSkewMs ?? 5_000 };
  const facts = factsOf(records);
  const counted = facts.filter((fact) => fact.counted);
  const messages = logicalMessages(facts);
  const callbacks = checkCallbacks(messages, context);
  const findings = [
    ...callbacks.findings,
    ...checkMessageIds(messages),
    ...checkTransactionIds(facts, context),
    ...checkOrderIds(counted),
    ...checkFulfillmentStates(counted),
    ...checkTimestamps(counted, context),
  ];
  return {
    transaction_id: transactionId,
    checked_at: options.now.toISOString(),
    conforms: findings.length === 0,
    records: facts.length,
    counted: counted.length,
    rules: ruleIds.map((id) => {
      const count = findings.filter((finding) => finding.rule === id).length;
      return { id, description: ruleDescriptions[id], passed: count === 0, findings: count };
    }),
    findings,
    pending: callbacks.pending,
    nacked: facts
      .filter((fact) => fact.record.ack === 'NACK')
      .map(({ record }) => ({ record_id: record.id, action: record.action, message_id: record.message_id, error_code: record.error_code })),
  };
}
