import { isObject, type Finding, type RecordFacts, type RuleContext } from './conformance-facts.js';
import { allowedTransition, canonicalState, type FulfillmentState } from './fulfillment-states.js';

const message = (fact: RecordFacts) => (fact.body !== null && isObject(fact.body.message) ? fact.body.message : null);

/** transaction-id-constant: every record is filed under the transaction, and its body says the same. Checks all records, NACKed ones too. */
export function checkTransactionIds(facts: readonly RecordFacts[], context: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const fact of facts) {
    const stored = fact.record.transaction_id;
    if (stored !== context.transactionId) {
      findings.push({ rule: 'transaction-id-constant', message: `record is filed under transaction ${String(stored)}`, record_ids: [fact.record.id] });
    }
    const inBody = fact.context?.transaction_id;
    if (fact.context !== null && inBody !== stored) {
      findings.push({
        rule: 'transaction-id-constant',
        message: `context.transaction_id ${JSON.stringify(inBody)} differs from the stored transaction id ${String(stored)}`,
        record_ids: [fact.record.id],
      });
    }
  }
  return findings;
}

function orderIdOf(fact: RecordFacts): string | null {
  const body = message(fact);
  if (body === null) return null;
  const id = isObject(body.order) ? body.order.id : body.order_id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}

/** order-id-consistent: once an order id appears (message.order.id, or message.order_id in status/cancel/track), it never changes. */
export function checkOrderIds(counted: readonly RecordFacts[]): Finding[] {
  const findings: Finding[] = [];
  let assigned: { id: string; fact: RecordFacts } | null = null;
  for (const fact of counted) {
    const id = orderIdOf(fact);
    if (id === null) continue;
    if (assigned === null) assigned = { id, fact };
    else if (id !== assigned.id) {
      findings.push({
        rule: 'order-id-consistent',
        message: `${fact.record.action} carries order id ${id}, but the order was ${assigned.id}`,
        record_ids: [assigned.fact.record.id, fact.record.id],
      });
    }
  }
  return findings;
}

/** fulfillment-state-order: each fulfillment's state.descriptor.code moves only forward (fulfillment-states.ts). */
export function checkFulfillmentStates(counted: readonly RecordFacts[]): Finding[] {
  const findings: Finding[] = [];
  const last = new Map<string, { state: FulfillmentState; fact: RecordFacts }>();
  for (const fact of counted) {
    const order = message(fact)?.order;
    const fulfillments = isObject(order) && Array.isArray(order.fulfillments) ? order.fulfillments : [];
    fulfillments.forEach((fulfillment: unknown, index) => {
      if (!isObject(fulfillment) || !isObject(fulfillment.state) || !isObject(fulfillment.state.descriptor)) return;
      const code = fulfillment.state.descriptor.code;
      if (typeof code !== 'string') return;
      const key = typeof fulfillment.id === 'string' ? fulfillment.id : `#${index}`;
      const state = canonicalState(code);
      if (state === null) {
        findings.push({ rule: 'fulfillment-state-order', message: `fulfillment ${key} has an unknown state ${code}`, record_ids: [fact.record.id] });
        return;
      }
      const previous = last.get(key);
      if (previous !== undefined && !allowedTransition(previous.state, state)) {
        findings.push({
          rule: 'fulfillment-state-order',
          message: `fulfillment ${key} went from ${previous.state} to ${state}`,
          record_ids: [previous.fact.record.id, fact.record.id],
        });
      }
      last.set(key, { state, fact });
    });
  }
  return findings;
}

/** timestamps-monotonic: in arrival order, context.timestamp never steps back by more than the clock skew. */
export function checkTimestamps(counted: readonly RecordFacts[], context: RuleContext): Finding[] {
  const findings: Finding[] = [];
  let latest: RecordFacts | null = null;
  for (const fact of counted) {
    if (fact.timestampMs === null) {
      findings.push({ rule: 'timestamps-monotonic', message: 'context.timestamp is missing or not a time', record_ids: [fact.record.id] });
      continue;
    }
    if (latest !== null && fact.timestampMs < (latest.timestampMs as number) - context.clockSkewMs) {
      findings.push({
        rule: 'timestamps-monotonic',
        message: `${fact.record.action} has context.timestamp ${String(fact.context?.timestamp)}, before ${String(latest.context?.timestamp)} of an earlier ${latest.record.action}`,
        record_ids: [latest.record.id, fact.record.id],
      });
    }
    if (latest === null || fact.timestampMs > (latest.timestampMs as number)) latest = fact;
  }
  return findings;
}
