import assert from 'node:assert/strict';
import { BOOKING_ERRORS, createUndeliveredConfirmListener } from '../../src/bpp/booking/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import type { OutboxEntry } from '../../src/protocol/outbound/index.js';
import { waitUntil } from '../support/wait-until.js';
import type { ReceivedMessage } from '../support/fake-participant.js';
import { startBookingFlow, type BookingFlow } from './booking-flow.js';

const ack = { status: 200, body: { message: { ack: { status: 'ACK' } } } };
const lateCallback = { status: 400, body: { message: { ack: { status: 'NACK' } }, error: { type: 'CONTEXT-ERROR', code: '20009', message: 'late callback' } } };
const serverError = { status: 500, body: { message: { ack: { status: 'NACK' } }, error: { type: 'CORE-ERROR', code: '23001', message: 'internal error' } } };

interface OrderState {
  booking: string;
  ride: string;
  driver: string;
  cancellations: { source: string; reason_code: string; fee: string; currency: string; fulfillment_state: string }[];
}

/**
 * An on_confirm the BAP never takes (refused, or failing through every
 * attempt) cancels the booking and its ride on our BPP and frees the driver.
 */
describe('BPP: an undeliverable on_confirm cancels the booking and frees the driver', function () {
  this.timeout(240_000);
  let flow: BookingFlow;

  before(async () => {
    flow = await startBookingFlow();
  });
  afterEach(() => {
    flow.net.bap.respond = () => ack;
  });
  after(async () => {
    await flow?.close();
  });

  const stateOf = async (bookingId: string, rideId: string, driverId: string): Promise<OrderState> => {
    const one = async (sql: string, id: string) => (await flow.rows<{ status: string }>(sql, [id]))[0]?.status ?? 'missing';
    return {
      booking: await one('SELECT status FROM atlas_driver_offer_bpp.booking WHERE id = $1', bookingId),
      ride: await one('SELECT status FROM atlas_driver_offer_bpp.ride WHERE id = $1', rideId),
      driver: await one('SELECT status FROM atlas_driver_offer_bpp.driver WHERE id = $1', driverId),
      cancellations: await flow.rows(
        'SELECT source, reason_code, fee::text AS fee, currency, fulfillment_state FROM atlas_driver_offer_bpp.booking_cancellation WHERE booking_id = $1',
        [bookingId],
      ),
    };
  };

  /** The on_confirm outbox entry of a transaction, once it has settled. */
  const settledConfirm = async (transactionId: string, status: 'delivered' | 'dead'): Promise<OutboxEntry> => {
    const { outbox } = flow.net.app.ctx.beckn.protocol;
    const find = async () => {
      const [row] = await flow.rows<{ id: string }>("SELECT id FROM beckn_protocol.outbox WHERE action = 'on_confirm' AND transaction_id = $1", [transactionId]);
      return row ? outbox.get(row.id) : null;
    };
    await waitUntil(`the on_confirm of ${transactionId} is ${status}`, async () => (await find())?.status === status, { timeoutMs: 30_000, intervalMs: 50 });
    const entry = await find();
    assert.ok(entry);
    return entry;
  };

  const cancelledState = (fulfillmentState: string): OrderState => ({
    booking: 'CANCELLED',
    ride: 'CANCELLED',
    driver: 'ONLINE',
    cancellations: [{ source: 'BY_PROVIDER', reason_code: '000', fee: '0.0000000000', currency: 'INR', fulfillment_state: fulfillmentState }],
  });

  it('cancels booking and ride and frees the driver when the BAP refuses the on_confirm with a NACK', async () => {
    flow.net.bap.respond = (m: ReceivedMessage) => (m.action === 'on_confirm' ? lateCallback : ack);
    const pickup = { lat: 12.93, lon: 77.62 };
    const { driver, selection, order, ride } = await flow.confirmedRide(pickup);
    assert.equal(order.status, 'ACTIVE', 'the refused on_confirm had confirmed the order');

    const dead = await settledConfirm(selection.transactionId, 'dead');
    assert.equal(dead.deadReason, 'NACK 20009');
    assert.equal(dead.attempts, 1, 'a refused on_confirm is not retried');
    assert.deepEqual(await stateOf(order.id, ride.id, driver.id), cancelledState('RIDE_ASSIGNED'));
    assert.equal(flow.net.bap.received.filter((m) => m.action === 'on_confirm' && m.body.context.transaction_id === selection.transactionId).length, 1);

    // The freed driver is offered the next ride nearby.
    flow.net.bap.respond = () => ack;
    await flow.selectSedan(pickup);
    const offers = await flow.call('GET', '/driver/ride-offers', undefined, driver.token);
    assert.equal(offers.status, 200);
    assert.equal(offers.body.offers.length, 1, JSON.stringify(offers.body));

    // A confirm of the cancelled order is refused.
    const again = await flow.send(
      'confirm',
      flow.net.toOurBpp({ transaction_id: selection.transactionId }),
      flow.draftOrder(selection, { ...order.payments[0] }),
    );
    assert.equal((again.body.error as { code?: string } | undefined)?.code, BOOKING_ERRORS.businessError, JSON.stringify(again.body));
    assert.equal((await stateOf(order.id, ride.id, driver.id)).booking, 'CANCELLED');
  });

  it('cancels booking and ride and frees the driver when the on_confirm fails through every attempt', async () => {
    flow.net.bap.respond = (m: ReceivedMessage) => (m.action === 'on_confirm' ? serverError : ack);
    const { driver, selection, order, ride } = await flow.confirmedRide({ lat: 13.05, lon: 77.5 });

    const dead = await settledConfirm(selection.transactionId, 'dead');
    const maxAttempts = flow.net.app.ctx.config.beckn.delivery.maxAttempts;
    assert.equal(dead.deadReason, `gave up after ${maxAttempts} attempts`);
    assert.equal(dead.lastHttpStatus, 500);
    assert.equal(
      flow.net.bap.received.filter((m) => m.action === 'on_confirm' && m.body.context.transaction_id === selection.transactionId).length,
      maxAttempts,
    );
    assert.deepEqual(await stateOf(order.id, ride.id, driver.id), cancelledState('RIDE_ASSIGNED'));
  });

  it('keeps the booking whose on_confirm the BAP accepted', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide({ lat: 12.85, lon: 77.75 });
    await settledConfirm(selection.transactionId, 'delivered');
    assert.deepEqual(await stateOf(order.id, ride.id, driver.id), { booking: 'CONFIRMED', ride: 'NEW', driver: 'ON_RIDE', cancellations: [] });
  });

  it('changes nothing when told again of a cancelled booking, or of a ride under way', async () => {
    const { sequelize } = flow.net.app.ctx;
    const listener = createUndeliveredConfirmListener({ sequelize, logger: createLogger('silent') });

    // Told twice of the same dead on_confirm: one cancellation, nothing else moves.
    flow.net.bap.respond = (m: ReceivedMessage) => (m.action === 'on_confirm' ? lateCallback : ack);
    const refused = await flow.confirmedRide({ lat: 12.99, lon: 77.7 });
    const dead = await settledConfirm(refused.selection.transactionId, 'dead');
    await waitUntil('the refused booking is cancelled', async () => (await stateOf(refused.order.id, refused.ride.id, refused.driver.id)).booking === 'CANCELLED');
    await sequelize.transaction((transaction) => listener(dead, transaction));
    assert.deepEqual(await stateOf(refused.order.id, refused.ride.id, refused.driver.id), cancelledState('RIDE_ASSIGNED'));

    // A ride the driver has started is kept even if its on_confirm is reported dead.
    flow.net.bap.respond = () => ack;
    const started = await flow.confirmedRide({ lat: 12.88, lon: 77.55 });
    const delivered = await settledConfirm(started.selection.transactionId, 'delivered');
    const move = (what: string, body?: unknown) => flow.call('POST', `/driver/rides/${started.ride.id}/${what}`, body, started.driver.token);
    assert.equal((await move('arrived')).status, 200);
    assert.equal((await move('start', { otp: started.ride.otp })).status, 200);
    await sequelize.transaction((transaction) => listener({ ...delivered, status: 'dead', deadReason: 'NACK 20009' }, transaction));
    assert.deepEqual(await stateOf(started.order.id, started.ride.id, started.driver.id), {
      booking: 'CONFIRMED',
      ride: 'INPROGRESS',
      driver: 'ON_RIDE',
      cancellations: [],
    });
  });
});
