import assert from 'node:assert/strict';
import type { LatLon } from '../../src/bpp/domain/index.js';
import { policyBody, startBookingFlow, type BookingFlow, type Selection } from './booking-flow.js';

/** Pickups more than the 5 km offer radius apart, so each test's drivers only see their own ride. */
const pickups: Record<string, LatLon> = {
  assigned: { lat: 12.6, lon: 77.3 },
  arrived: { lat: 12.6, lon: 77.4 },
};

const money = (value: string) => Number(value).toFixed(2);

/**
 * A cancellation fee is what on_init's cancellation terms promised for the
 * ride's state: the operator changing the fare policy afterwards changes
 * new bookings' terms, never those of a booking made already.
 */
describe('BPP cancel: the fee agreed at on_init', function () {
  this.timeout(240_000);
  let flow: BookingFlow;
  let cityId: string;

  before(async () => {
    flow = await startBookingFlow();
    const [city] = await flow.rows<{ id: string }>('SELECT id FROM atlas_driver_offer_bpp.merchant_operating_city WHERE merchant_id = $1', [flow.merchantId]);
    cityId = city!.id;
  });
  afterEach(async () => {
    // Each test starts from the flow's own policy.
    await flow?.operator('PUT', `/provider/fare-policies/${cityId}/SEDAN`, policyBody);
  });
  after(async () => {
    await flow?.close();
  });

  /** The fee on_init's cancellation terms set for `state` in the transaction. */
  const agreedFee = (transactionId: string, state: string): string => {
    const onInit = flow.net.bap.received.find((m) => m.action === 'on_init' && m.body.context.transaction_id === transactionId);
    assert.ok(onInit, 'the BAP got on_init');
    const terms = (onInit.body.message as any).order.cancellation_terms as any[];
    const term = terms.find((t) => t.fulfillment_state.descriptor.code === state);
    assert.ok(term, `on_init has terms for ${state}`);
    return term.cancellation_fee.amount.value as string;
  };

  const raiseCancellationFees = () =>
    flow.operator('PUT', `/provider/fare-policies/${cityId}/SEDAN`, {
      ...policyBody,
      cancellation_fees: { RIDE_ASSIGNED: '95', RIDE_ARRIVED_PICKUP: '120' },
    });

  const cancel = async (selection: Selection, orderId: string, code: 'SOFT_CANCEL' | 'CONFIRM_CANCEL') => {
    const callback = await flow.send('cancel', flow.net.toOurBpp({ transaction_id: selection.transactionId }), {
      order_id: orderId,
      cancellation_reason_id: '005',
      descriptor: { code, name: 'Ride Cancellation' },
    });
    assert.equal(callback.body.error, undefined, JSON.stringify(callback.body.error));
    return (callback.body.message as any).order;
  };

  const feeOf = (order: any) => ({
    price: money(order.quote.price.value),
    charges: money(order.quote.breakup.find((l: { title: string }) => l.title === 'CANCELLATION_CHARGES').price.value),
  });

  const recordedFee = async (bookingId: string) =>
    (await flow.rows<{ fee: string; fulfillment_state: string }>(
      'SELECT fee::text, fulfillment_state FROM atlas_driver_offer_bpp.booking_cancellation WHERE booking_id = $1',
      [bookingId],
    )).map((row) => ({ ...row, fee: money(row.fee) }));

  it('quotes and charges the RIDE_ASSIGNED fee of the terms after the operator raised the policy fee', async () => {
    const { selection, order } = await flow.confirmedRide(pickups.assigned!);
    const agreed = agreedFee(selection.transactionId, 'RIDE_ASSIGNED');
    assert.equal(money(agreed), money(policyBody.cancellation_fees.RIDE_ASSIGNED));
    await raiseCancellationFees();

    const soft = await cancel(selection, order.id, 'SOFT_CANCEL');
    assert.deepEqual(feeOf(soft), { price: money(agreed), charges: money(agreed) });
    const confirmed = await cancel(selection, order.id, 'CONFIRM_CANCEL');
    assert.deepEqual(feeOf(confirmed), { price: money(agreed), charges: money(agreed) });
    assert.deepEqual(await recordedFee(order.id), [{ fee: money(agreed), fulfillment_state: 'RIDE_ASSIGNED' }]);
  });

  it('charges the RIDE_ARRIVED_PICKUP fee of the terms after the driver arrived, whatever the policy says now', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.arrived!);
    const agreed = agreedFee(selection.transactionId, 'RIDE_ARRIVED_PICKUP');
    await raiseCancellationFees();
    assert.equal((await flow.call('POST', `/driver/rides/${ride.id}/arrived`, undefined, driver.token)).status, 200);

    const soft = await cancel(selection, order.id, 'SOFT_CANCEL');
    assert.deepEqual(feeOf(soft), { price: money(agreed), charges: money(agreed) });
    const confirmed = await cancel(selection, order.id, 'CONFIRM_CANCEL');
    assert.deepEqual(feeOf(confirmed), { price: money(agreed), charges: money(agreed) });
    assert.deepEqual(await recordedFee(order.id), [{ fee: money(agreed), fulfillment_state: 'RIDE_ARRIVED_PICKUP' }]);
  });
});
