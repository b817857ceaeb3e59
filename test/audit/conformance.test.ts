import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ConformanceReport, RuleId } from '../../src/audit/read/index.js';
import { at, flow, order, t0 } from './conformance-fixtures.js';

function findings(report: ConformanceReport, rule: RuleId) {
  return report.findings.filter((finding) => finding.rule === rule);
}

function assertPassed(report: ConformanceReport, rule: RuleId) {
  assert.deepEqual(findings(report, rule), [], JSON.stringify(report.findings, null, 2));
  assert.equal(report.rules.find((entry) => entry.id === rule)?.passed, true);
}

function assertFailed(report: ConformanceReport, rule: RuleId, recordIds: string[]) {
  const found = findings(report, rule);
  assert.equal(found.length, 1, JSON.stringify(report.findings, null, 2));
  assert.deepEqual([...(found[0]?.record_ids ?? [])].sort(), [...recordIds].sort());
  assert.equal(report.rules.find((entry) => entry.id === rule)?.passed, false);
  assert.equal(report.conforms, false);
}

describe('transaction conformance rules', () => {
  it('passes a complete ride: every rule holds and nothing is pending', () => {
    const ride = flow();
    ride.exchange('search', 0);
    ride.exchange('select', 5_000);
    ride.exchange('init', 10_000);
    ride.exchange('confirm', 15_000, 1_000, { message: order('O1', 'RIDE_ASSIGNED') });
    ride.add('on_update', 60_000, { message: order('O1', 'RIDE_ENROUTE_PICKUP') });
    ride.add('on_update', 120_000, { message: order('O1', 'RIDE_ARRIVED_PICKUP') });
    ride.exchange('status', 150_000, 1_000, { message: order('O1', 'RIDE_STARTED') });
    ride.add('on_update', 900_000, { message: order('O1', 'RIDE_ENDED') });
    const report = ride.check();
    assert.deepEqual(report.findings, []);
    assert.equal(report.conforms, true);
    assert.equal(report.records, 13);
    assert.equal(report.counted, 13);
    assert.deepEqual(report.pending, []);
    assert.ok(report.rules.every((rule) => rule.passed));
  });

  describe('callback-received', () => {
    it('fails a request whose ttl ran out without an accepted callback', () => {
      const ride = flow();
      ride.exchange('search', 0);
      const select = ride.add('select', 5_000);
      assertFailed(ride.check(), 'callback-received', [select.id]);
    });

    it('lists a request still inside its ttl as pending, not as a finding', () => {
      const ride = flow();
      const select = ride.add('select', 0, { ttl: 'PT30S' });
      const report = ride.check(new Date(t0 + 10_000));
      assertPassed(report, 'callback-received');
      assert.deepEqual(report.pending, [{ action: 'select', message_id: select.message_id, deadline: at(30_000), record_ids: [select.id] }]);
    });

    it('expects no callback for a search we only forwarded as gateway', () => {
      const ride = flow();
      ride.add('search', 0, { role: 'gateway' });
      assertPassed(ride.check(), 'callback-received');
    });

    it('does not pair a NACKed callback: the request stays unanswered and the NACK is listed', () => {
      const ride = flow();
      const messageId = randomUUID();
      const select = ride.add('select', 0, { messageId });
      const late = ride.add('on_select', 40_000, { messageId, ack: 'NACK' });
      const report = ride.check();
      assertFailed(report, 'callback-received', [select.id]);
      assertPassed(report, 'callback-within-ttl');
      assert.deepEqual(report.nacked, [{ record_id: late.id, action: 'on_select', message_id: messageId, error_code: null }]);
    });

    it('owes nothing for a NACKed request', () => {
      const ride = flow();
      ride.add('select', 0, { ack: 'NACK' });
      assertPassed(ride.check(), 'callback-received');
    });
  });

  describe('callback-within-ttl', () => {
    it('passes a callback inside the ttl counted from the request timestamp', () => {
      const ride = flow();
      ride.exchange('select', 0, 29_000);
      assertPassed(ride.check(), 'callback-within-ttl');
    });

    it('fails a callback that came after the ttl ran out', () => {
      const ride = flow();
      const [select, onSelect] = ride.exchange('select', 0, 31_000);
      assertFailed(ride.check(), 'callback-within-ttl', [select.id, onSelect.id]);
    });

    it('counts from context.timestamp, not from when the request arrived', () => {
      const ride = flow();
      const messageId = randomUUID();
      const select = ride.add('select', 10_000, { messageId, timestamp: -25_000 });
      const onSelect = ride.add('on_select', 12_000, { messageId });
      assertFailed(ride.check(), 'callback-within-ttl', [select.id, onSelect.id]);
    });

    it('fails a request whose ttl is not an ISO-8601 duration, since its callback cannot be timed', () => {
      const ride = flow();
      const messageId = randomUUID();
      const select = ride.add('select', 0, { messageId, ttl: 'P120S' });
      ride.add('on_select', 1_000, { messageId });
      assertFailed(ride.check(), 'callback-within-ttl', [select.id]);
    });
  });

  describe('message-id-pairing', () => {
    it('passes callbacks answering their request and unsolicited ones with fresh ids', () => {
      const ride = flow();
      ride.exchange('confirm', 0, 1_000, { message: order('O1', 'RIDE_ASSIGNED') });
      ride.exchange('update', 10_000, 1_000, { message: order('O1', 'RIDE_ASSIGNED') });
      ride.add('on_status', 20_000, { message: order('O1', 'RIDE_ENROUTE_PICKUP') });
      assertPassed(ride.check(), 'message-id-pairing');
    });

    it('fails a callback carrying the message_id of a request of another action', () => {
      const ride = flow();
      const [search] = ride.exchange('search', 0);
      const onSelect = ride.add('on_select', 2_000, { messageId: search.message_id as string });
      assertFailed(ride.check(), 'message-id-pairing', [onSelect.id, search.id, ...ride.records.filter((r) => r.action === 'on_search').map((r) => r.id)]);
    });

    it('fails an unsolicited on_update that reuses the confirm message_id', () => {
      const ride = flow();
      const [confirm, onConfirm] = ride.exchange('confirm', 0, 1_000, { message: order('O1', 'RIDE_ASSIGNED') });
      const onUpdate = ride.add('on_update', 5_000, { messageId: confirm.message_id as string, message: order('O1', 'RIDE_ENROUTE_PICKUP') });
      assertFailed(ride.check(), 'message-id-pairing', [onUpdate.id, confirm.id, onConfirm.id]);
    });

    it('fails two different requests under one message_id', () => {
      const ride = flow();
      const messageId = randomUUID();
      const select = ride.add('select', 0, { messageId });
      ride.add('on_select', 1_000, { messageId });
      const init = ride.add('init', 2_000, { messageId });
      const report = ride.check();
      const found = findings(report, 'message-id-pairing');
      assert.ok(found.some((finding) => finding.record_ids.includes(select.id) && finding.record_ids.includes(init.id)), JSON.stringify(found));
    });

    it('treats one message logged twice (sent and received, or a repeat) as one message', () => {
      const ride = flow();
      const [select, onSelect] = ride.exchange('select', 0);
      ride.records.push({ ...select, id: randomUUID(), direction: 'outbound', role: 'bap', started_at: at(-5) });
      ride.records.push({ ...onSelect, id: randomUUID(), direction: 'inbound', role: 'bap', started_at: at(1_005) });
      ride.records.push({ ...onSelect, id: randomUUID(), duplicate: true, started_at: at(2_000) });
      const report = ride.check();
      assert.deepEqual(report.findings, []);
      assert.equal(report.counted, 4);
    });
  });

  describe('transaction-id-constant', () => {
    it('fails a record whose body names another transaction', () => {
      const ride = flow();
      ride.exchange('search', 0);
      const stray = ride.add('select', 5_000, { bodyTransactionId: randomUUID(), ack: 'NACK' });
      assertFailed(ride.check(), 'transaction-id-constant', [stray.id]);
    });

    it('passes when every body agrees with the stored transaction id', () => {
      const ride = flow();
      ride.exchange('search', 0);
      ride.exchange('select', 5_000);
      assertPassed(ride.check(), 'transaction-id-constant');
    });
  });

  describe('order-id-consistent', () => {
    it('passes the same order id on every message, order_id of status included', () => {
      const ride = flow();
      ride.exchange('confirm', 0, 1_000, { message: order('O1') });
      const messageId = randomUUID();
      ride.add('status', 5_000, { messageId, message: { order_id: 'O1' } });
      ride.add('on_status', 6_000, { messageId, message: order('O1') });
      assertPassed(ride.check(), 'order-id-consistent');
    });

    it('fails an order id that changes once assigned', () => {
      const ride = flow();
      const [, onConfirm] = ride.exchange('confirm', 0, 1_000, { message: order('O1') });
      const onStatus = ride.add('on_status', 5_000, { message: order('O2') });
      assertFailed(ride.check(), 'order-id-consistent', [onConfirm.id, onStatus.id]);
    });
  });

  describe('fulfillment-state-order', () => {
    it('passes states moving forward, skipping some, in the nic2004 vocabulary too', () => {
      const ride = flow();
      ride.add('on_confirm', 0, { message: order('O1', 'DRIVER_EN_ROUTE') });
      ride.add('on_update', 1_000, { message: order('O1', 'DRIVER_EN_ROUTE_TO_PICKUP') });
      ride.add('on_update', 2_000, { message: order('O1', 'DRIVER_AT_PICKUP') });
      ride.add('on_status', 2_500, { message: order('O1', 'RIDE_ARRIVED_PICKUP') });
      ride.add('on_update', 3_000, { message: order('O1', 'RIDE_ENDED') });
      ride.add('on_update', 4_000, { message: order('O1', 'PAYMENT_COLLECTED') });
      assertPassed(ride.check(), 'fulfillment-state-order');
    });

    it('fails a state going backwards', () => {
      const ride = flow();
      const started = ride.add('on_update', 0, { message: order('O1', 'RIDE_STARTED') });
      const back = ride.add('on_update', 1_000, { message: order('O1', 'RIDE_ENROUTE_PICKUP') });
      assertFailed(ride.check(), 'fulfillment-state-order', [started.id, back.id]);
    });

    it('fails anything after RIDE_CANCELLED, and a cancel after the ride ended', () => {
      const cancelled = flow();
      const cancel = cancelled.add('on_cancel', 0, { message: order('O1', 'RIDE_CANCELLED') });
      const revived = cancelled.add('on_update', 1_000, { message: order('O1', 'RIDE_STARTED') });
      assertFailed(cancelled.check(), 'fulfillment-state-order', [cancel.id, revived.id]);

      const ended = flow();
      const end = ended.add('on_update', 0, { message: order('O1', 'RIDE_ENDED') });
      const lateCancel = ended.add('on_cancel', 1_000, { message: order('O1', 'RIDE_CANCELLED') });
      assertFailed(ended.check(), 'fulfillment-state-order', [end.id, lateCancel.id]);
    });

    it('passes a cancel before the ride starts', () => {
      const ride = flow();
      ride.add('on_confirm', 0, { message: order('O1', 'RIDE_CONFIRMED') });
      ride.add('on_cancel', 1_000, { message: order('O1', 'RIDE_CANCELLED') });
      ride.add('on_status', 2_000, { message: order('O1', 'RIDE_CANCELLED') });
      assertPassed(ride.check(), 'fulfillment-state-order');
    });

    it('fails an unknown state code', () => {
      const ride = flow();
      const odd = ride.add('on_status', 0, { message: order('O1', 'RIDE_TELEPORTED') });
      assertFailed(ride.check(), 'fulfillment-state-order', [odd.id]);
    });
  });

  describe('timestamps-monotonic', () => {
    it('passes timestamps stepping back less than the clock skew', () => {
      const ride = flow();
      ride.add('on_update', 0, { timestamp: 10_000 });
      ride.add('on_update', 1_000, { timestamp: 6_000 });
      assertPassed(ride.check(), 'timestamps-monotonic');
    });

    it('fails a message stamped well before one that arrived earlier', () => {
      const ride = flow();
      const first = ride.add('on_update', 0, { timestamp: 20_000 });
      const second = ride.add('on_update', 1_000, { timestamp: 5_000 });
      assertFailed(ride.check(), 'timestamps-monotonic', [first.id, second.id]);
    });

    it('fails a context.timestamp that is not a time', () => {
      const ride = flow();
      const bad = ride.add('on_update', 0, { timestamp: null });
      assertFailed(ride.check(), 'timestamps-monotonic', [bad.id]);
    });
  });
});
