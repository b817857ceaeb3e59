import assert from 'node:assert/strict';
import type { LatLon } from '../../src/bpp/domain/index.js';
import { checkConformance } from '../../src/protocol/conformance/index.js';
import type { ReceivedMessage } from '../support/fake-participant.js';
import { startBookingFlow, type BookingFlow, type FlowDomain } from '../bpp/booking-flow.js';

/**
 * Every message our BPP sends over a whole ride and over each cancellation
 * path (rider soft and confirmed cancel, driver cancel), in both profiles,
 * judged by the conformance checker: no mandatory attribute of the ONDC
 * TRV10 2.0.1 attribute lists missing (core mobility: see the checker).
 */

const tag = (code: string, list: [string, string][]) => ({ descriptor: { code }, display: false, list: list.map(([c, value]) => ({ descriptor: { code: c }, value })) });

/** A BAP's payment as the attribute lists want it: who collects, finder fees, settlement terms. */
const bapTags = (amount: string) => [
  tag('BUYER_FINDER_FEES', [
    ['BUYER_FINDER_FEES_TYPE', 'percent-annualized'],
    ['BUYER_FINDER_FEES_PERCENTAGE', '1'],
    ['BUYER_FINDER_FEES_AMOUNT', '0'],
  ]),
  tag('SETTLEMENT_TERMS', [
    ['SETTLEMENT_WINDOW', 'PT60M'],
    ['SETTLEMENT_BASIS', 'DELIVERY'],
    ['SETTLEMENT_TYPE', 'UPI'],
    ['MANDATORY_ARBITRATION', 'true'],
    ['COURT_JURISDICTION', 'New Delhi'],
    ['DELAY_INTEREST', '5'],
    ['STATIC_TERMS', 'https://rider-app.example/settlement-terms'],
    ['SETTLEMENT_AMOUNT', amount],
  ]),
];

const pickups: Record<string, LatLon> = {
  ride: { lat: 12.85, lon: 77.45 },
  riderCancel: { lat: 12.85, lon: 77.55 },
  softCancel: { lat: 12.85, lon: 77.65 },
  driverCancel: { lat: 12.95, lon: 77.45 },
  bppCollects: { lat: 12.95, lon: 77.55 },
};

for (const domain of ['ONDC:TRV10', 'nic2004:60221'] as FlowDomain[]) {
  describe(`BPP conformance (${domain}): every message of a ride and of each cancel has the spec's mandatory attributes`, function () {
    this.timeout(300_000);
    let flow: BookingFlow;
    const core = domain === 'nic2004:60221';
    const reason = (ondc: string, mobility: string) => (core ? mobility : ondc);

    before(async () => {
      // Where the provider is paid when it collects: on_init and later orders name it as payments[].params.
      flow = await startBookingFlow({
        domain,
        env: { BPP_SETTLEMENT_BANK_CODE: 'HDFC0001234', BPP_SETTLEMENT_BANK_ACCOUNT_NUMBER: '50100012345678', BPP_SETTLEMENT_VPA: 'booking-cabs@upi' },
      });
    });
    after(async () => {
      await flow?.close();
    });

    /** Every message of the transaction our BPP sent to the BAP, once delivered. */
    const sentIn = (transactionId: string): ReceivedMessage[] => flow.net.bap.received.filter((m) => m.body.context.transaction_id === transactionId);

    const assertConformant = (messages: ReceivedMessage[], expected: string[]) => {
      const actions = messages.map((m) => m.action);
      for (const action of expected) assert.ok(actions.includes(action), `${action} among ${actions.join(', ')}`);
      const report = messages
        .map((m) => ({ action: m.action, missing: checkConformance(m.action, m.body) }))
        .filter((r) => r.missing.length > 0);
      assert.deepEqual(report, [], JSON.stringify(report, null, 1));
    };

    const ride = async (pickup: LatLon, collectedBy: 'BAP' | 'BPP' = 'BAP') => {
      const confirmed = await flow.confirmedRide(pickup, {
        intent: { collected_by: collectedBy, tags: bapTags('0') },
        init: { collected_by: collectedBy, type: 'ON-FULFILLMENT', status: 'NOT-PAID', tags: bapTags('0') },
      });
      const ask = (action: 'status' | 'track' | 'support' | 'rating' | 'cancel', message: unknown) =>
        flow.send(action, flow.net.toOurBpp({ transaction_id: confirmed.selection.transactionId }), message);
      const move = async (what: string, body?: unknown) => {
        const answer = await flow.call('POST', `/driver/rides/${confirmed.ride.id}/${what}`, body, confirmed.driver.token);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
      };
      const pushed = (action: string, state: string) =>
        flow.net.bap.waitFor(
          (m) =>
            m.action === action &&
            m.body.context.transaction_id === confirmed.selection.transactionId &&
            (m.body.message as any)?.order?.fulfillments?.[0]?.state?.descriptor?.code === state,
          30_000,
        );
      return { ...confirmed, ask, move, pushed };
    };

    it('a whole ride: search, select, init, confirm, status, track, support, the driver sets off, arrives, starts and ends, rating', async () => {
      const r = await ride(pickups.ride!);
      await r.ask('status', { order_id: r.order.id });
      await r.ask('track', { order_id: r.order.id });
      await r.ask('support', { ref_id: r.order.id });
      await r.ask('status', { ref_id: r.selection.transactionId });
      await r.move('enroute');
      await r.pushed('on_status', core ? 'DRIVER_EN_ROUTE_TO_PICKUP' : 'RIDE_ENROUTE_PICKUP');
      await r.move('arrived');
      await r.pushed('on_status', core ? 'DRIVER_AT_PICKUP' : 'RIDE_ARRIVED_PICKUP');
      await r.move('start', { otp: r.ride.otp });
      await r.pushed('on_status', 'RIDE_STARTED');
      await r.move('end');
      await r.pushed('on_status', 'RIDE_ENDED');
      await r.ask('rating', { id: r.order.id, rating_category: 'DRIVER', value: 5 });
      await r.ask('status', { order_id: r.order.id });
      assertConformant(sentIn(r.selection.transactionId), ['on_search', 'on_select', 'on_init', 'on_confirm', 'on_status', 'on_track', 'on_support', 'on_rating']);
    });

    it('a rider cancel: status, soft cancel, confirmed cancel, status after', async () => {
      const r = await ride(pickups.riderCancel!);
      const cancel = (code: string) => ({ order_id: r.order.id, cancellation_reason_id: reason('005', '5'), descriptor: { code, name: 'Ride Cancellation' } });
      await r.ask('cancel', cancel('SOFT_CANCEL'));
      await r.ask('cancel', cancel('CONFIRM_CANCEL'));
      await r.ask('status', { order_id: r.order.id });
      assertConformant(sentIn(r.selection.transactionId), ['on_search', 'on_select', 'on_init', 'on_confirm', 'on_cancel', 'on_status']);
    });

    it('a soft cancel after the driver arrived, and the ride going on', async () => {
      const r = await ride(pickups.softCancel!);
      await r.move('arrived');
      await r.pushed('on_status', core ? 'DRIVER_AT_PICKUP' : 'RIDE_ARRIVED_PICKUP');
      await r.ask('cancel', { order_id: r.order.id, cancellation_reason_id: reason('005', '5'), descriptor: { code: 'SOFT_CANCEL', name: 'Ride Cancellation' } });
      assertConformant(sentIn(r.selection.transactionId), ['on_search', 'on_select', 'on_init', 'on_confirm', 'on_status', 'on_cancel']);
    });

    it('a ride the BPP collects: every order names where the provider is paid (payments[].params)', async () => {
      const r = await ride(pickups.bppCollects!, 'BPP');
      await r.ask('status', { order_id: r.order.id });
      await r.move('arrived');
      await r.pushed('on_status', core ? 'DRIVER_AT_PICKUP' : 'RIDE_ARRIVED_PICKUP');
      const messages = sentIn(r.selection.transactionId);
      const withOrder = messages.filter((m) => ['on_init', 'on_confirm', 'on_status'].includes(m.action));
      for (const m of withOrder) {
        assert.deepEqual((m.body.message as any).order.payments[0].params, {
          bank_code: 'HDFC0001234',
          bank_account_number: '50100012345678',
          virtual_payment_address: 'booking-cabs@upi',
        }, m.action);
      }
      assertConformant(messages, ['on_search', 'on_select', 'on_init', 'on_confirm', 'on_status']);
    });

    it('a driver cancel: the pushed on_cancel and status after', async () => {
      const r = await ride(pickups.driverCancel!);
      const answer = await flow.call('POST', `/driver/rides/${r.ride.id}/cancel`, { reasonCode: '014' }, r.driver.token);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      await flow.net.bap.waitFor((m) => m.action === 'on_cancel' && m.body.context.transaction_id === r.selection.transactionId, 30_000);
      await r.ask('status', { order_id: r.order.id });
      assertConformant(sentIn(r.selection.transactionId), ['on_search', 'on_select', 'on_init', 'on_confirm', 'on_cancel', 'on_status']);
    });
  });
}
