import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { applyGatewayStatus } from '../../src/bap/payment/apply-order-status.js';
import type { ChargeDeps } from '../../src/bap/payment/order-charged.js';
import { createRefundJob } from '../../src/bap/payment/refund-job.js';
import { scheduleCheck } from '../../src/bpp/allocation/index.js';
import { createConfirmHandler } from '../../src/bpp/booking/index.js';
import type { LatLon } from '../../src/bpp/domain/index.js';
import { runPayouts, type PayoutDeps } from '../../src/bpp/payout/index.js';
import { movePayoutStatus } from '../../src/bpp/payout/payout-status.js';
import { recordSupplySnapshot, supplySnapshotId } from '../../src/bpp/supply-snapshot.js';
import { EVENT_TYPES, type EventType } from '../../src/events/index.js';
import { businessEventIssues, eventSchemaFile, eventSchemasDir, InvalidBusinessEventError, recordBusinessEvent } from '../../src/events/record-event.js';
import { cellOf, createMemoryDriverLocationStore } from '../../src/infra/geo/index.js';
import type { GatewayRefund } from '../../src/payments/gateway/index.js';
import { createPaymentOrder, createRefund, RIDER_PAYMENTS_SCHEMA } from '../../src/payments/index.js';
import type { AcceptedMessage } from '../../src/protocol/handlers.js';
import { bapPayment, startBookingFlow, type BookingFlow, type Selection } from '../bpp/booking-flow.js';
import { startGatewayRig, type GatewayRig } from '../payments/gateway-fixture.js';
import { riderBooking } from '../payments/payment-fixtures.js';
import { waitFor } from '../support/wait-until.js';

interface OutboxRow {
  seq: string;
  event_id: string;
  event_type: EventType;
  event_version: number;
  occurred_at: Date;
  side: 'bap' | 'bpp';
  merchant_id: string | null;
  city: string;
  cell: string | null;
  variant: string | null;
  subject_id: string;
  payload: Record<string, any>;
}

const cashPayment = { collected_by: 'BPP', type: 'ON-FULFILLMENT', status: 'NOT-PAID' };
const preOrderPayment = { collected_by: 'BAP', type: 'PRE-ORDER', status: 'NOT-PAID' };

describe('Business events: recorded with the state change they report, once', function () {
  this.timeout(240_000);
  let gatewayRig: GatewayRig;
  let flow: BookingFlow;
  let payouts: PayoutDeps;
  // Each test's rides start in their own area, about 6.6 km apart, so no other test's driver is offered them.
  let area = 0;
  const nextPickup = (): LatLon => ({ lat: 12.6 + 0.06 * area++, lon: 77.3 });

  before(async () => {
    gatewayRig = await startGatewayRig();
    flow = await startBookingFlow({
      bpp: { paymentGateway: gatewayRig.gateway, options: { payoutTracking: { intervalMs: 200, reviewAfterMs: 600_000, maxGapMs: 500 }, supplySnapshotIntervalMs: 500 } },
    });
    const { ctx } = flow.net.app;
    payouts = { sequelize: ctx.sequelize, gateway: gatewayRig.gateway, logger: ctx.logger };
  });
  after(async () => {
    await flow?.close();
    await gatewayRig?.close();
  });

  const outbox = async (side: 'bap' | 'bpp', where: string, bind: unknown[]): Promise<OutboxRow[]> =>
    flow.net.app.ctx.sequelize.query<OutboxRow>(
      `SELECT seq, event_id::text, event_type, event_version, occurred_at, side, merchant_id, city, cell, variant, subject_id, payload
         FROM ${side === 'bap' ? 'atlas_app' : 'atlas_driver_offer_bpp'}.business_event_outbox WHERE ${where} ORDER BY seq`,
      { type: QueryTypes.SELECT, bind },
    );
  /** The provider's events about a ride's search, booking or ride, in the order they were recorded. */
  const rideEvents = async (ids: { searchId?: string; bookingId?: string; rideId?: string }) =>
    outbox('bpp', `event_type <> 'supply.snapshot' AND (payload->>'search_id' = $1 OR payload->>'booking_id' = $2 OR payload->>'ride_id' = $3)`, [
      ids.searchId ?? '-',
      ids.bookingId ?? '-',
      ids.rideId ?? '-',
    ]);
  const searchIdOf = async (transactionId: string) =>
    (await flow.rows<{ id: string }>('SELECT id FROM atlas_driver_offer_bpp.search_request WHERE transaction_id = $1', [transactionId]))[0]!.id;
  const typesOf = (rows: OutboxRow[]) => rows.map((row) => row.event_type);
  const envelope = (row: OutboxRow) => ({ ...row, seq: undefined, occurred_at: new Date(row.occurred_at).toISOString() });
  const assertValid = (rows: OutboxRow[]) => {
    for (const row of rows) {
      const { seq: _seq, ...event } = envelope(row);
      assert.deepEqual(businessEventIssues(event), [], `${row.event_type} ${row.event_id} matches its schema`);
    }
  };

  /** A sedan near `pickup` accepts; init and confirm with `payment` (cash to the driver by default). */
  const bookRide = async (pickup: LatLon, payment: Record<string, unknown> = cashPayment) => {
    const driver = await flow.addSedan({ lat: pickup.lat + 0.001, lon: pickup.lon + 0.001 });
    const selection = await flow.selectSedan(pickup, driver);
    const onInit = await flow.send('init', flow.net.toOurBpp({ transaction_id: selection.transactionId }), flow.draftOrder(selection, payment));
    const draft = (onInit.body.message as any).order;
    const confirm = () => flow.send('confirm', flow.net.toOurBpp({ transaction_id: selection.transactionId }), flow.draftOrder(selection, { ...draft.payments[0] }));
    const onConfirm = await confirm();
    assert.equal(onConfirm.body.error, undefined, JSON.stringify(onConfirm.body.error));
    const order = (onConfirm.body.message as any).order;
    const [ride] = await flow.rows<{ id: string; otp: string }>('SELECT id, otp FROM atlas_driver_offer_bpp.ride WHERE booking_id = $1', [order.id]);
    assert.ok(ride);
    return { driver, selection, order, ride, confirm, searchId: await searchIdOf(selection.transactionId) };
  };
  const move = async (token: string, rideId: string, what: string, body?: unknown) => {
    const answer = await flow.call('POST', `/driver/rides/${rideId}/${what}`, body, token);
    assert.equal(answer.status, 200, `${what}: ${JSON.stringify(answer.body)}`);
  };
  const cancelAsRider = (selection: Selection, orderId: string) =>
    flow.send('cancel', flow.net.toOurBpp({ transaction_id: selection.transactionId }), {
      order_id: orderId,
      cancellation_reason_id: '005',
      descriptor: { code: 'CONFIRM_CANCEL', name: 'Ride Cancellation' },
    });

  it('has a JSON Schema file for every catalog event type, and refuses an event that does not match it', async () => {
    for (const type of EVENT_TYPES) assert.ok(existsSync(`${eventSchemasDir}/${eventSchemaFile(type)}`), `${eventSchemaFile(type)} exists`);
    const { sequelize } = flow.net.app.ctx;
    const subjectId = randomUUID();
    await assert.rejects(
      sequelize.transaction((transaction) =>
        recordBusinessEvent(sequelize, transaction, {
          type: 'ride.ended',
          side: 'bpp',
          merchantId: null,
          city: 'std:080',
          cell: null,
          variant: 'SEDAN',
          subjectId,
          // A float fare: money must be decimal text.
          payload: { booking_id: 'b', ride_id: 'r', driver_id: 'd', distance_m: 10, duration_s: 5, fare: { value: 182.5 as unknown as string, currency: 'INR' } },
        }),
      ),
      (error: unknown) => error instanceof InvalidBusinessEventError && /fare\/value/.test(error.message),
    );
    assert.deepEqual(await outbox('bpp', 'subject_id = $1', [subjectId]), []);
  });

  it('records a whole cash ride once each, in order: search to rating; a repeated confirm, end or rating records nothing more', async () => {
    const pickup = nextPickup();
    const { driver, selection, order, ride, confirm, searchId } = await bookRide(pickup);
    await move(driver.token, ride.id, 'arrived');
    await move(driver.token, ride.id, 'start', { otp: ride.otp });
    await move(driver.token, ride.id, 'end');
    const rate = () => flow.send('rating', flow.net.toOurBpp({ transaction_id: selection.transactionId }), { id: order.id, rating_category: 'DRIVER', value: 5 });
    assert.deepEqual((await rate()).body.message, { feedback_ack: true, rating_ack: true });

    // Repeats: the confirm answers the stored booking, a second end is refused, the same rating changes nothing.
    assert.equal(((await confirm()).body.message as any).order.id, order.id);
    assert.equal((await flow.call('POST', `/driver/rides/${ride.id}/end`, undefined, driver.token)).status, 409);
    await rate();

    const events = await rideEvents({ searchId, bookingId: order.id, rideId: ride.id });
    assert.deepEqual(typesOf(events), [
      'search.requested',
      'estimates.offered',
      'quote.accepted_by_driver',
      'booking.confirmed',
      'driver.assigned',
      'ride.started',
      'ride.ended',
      'payment.charged',
      'rating.given',
    ]);
    assertValid(events);
    const byType = Object.fromEntries(events.map((e) => [e.event_type, e])) as Record<EventType, OutboxRow>;
    for (const event of events) {
      assert.equal(event.side, 'bpp');
      assert.equal(event.city, 'std:080');
      assert.equal(event.merchant_id, flow.merchantId);
      assert.equal(event.cell, cellOf(pickup.lat, pickup.lon), `${event.event_type} in the pickup's cell`);
    }
    assert.equal(byType['search.requested'].variant, null, 'the search asked for no variant');
    assert.deepEqual(byType['search.requested'].payload.pickup, pickup);
    assert.equal(byType['estimates.offered'].payload.count, 1);
    assert.deepEqual(byType['estimates.offered'].payload.variants, ['SEDAN']);
    assert.equal(byType['estimates.offered'].payload.fare_min.value, selection.price.value);
    assert.equal(byType['quote.accepted_by_driver'].payload.driver_id, driver.id);
    assert.equal(byType['quote.accepted_by_driver'].variant, 'SEDAN');
    assert.deepEqual(byType['booking.confirmed'].payload, {
      booking_id: order.id,
      estimated_fare: { value: Number(selection.price.value).toFixed(2), currency: 'INR' },
      payment_type: 'ON-FULFILLMENT',
      collected_by: 'BPP',
    });
    assert.equal(byType['driver.assigned'].payload.ride_id, ride.id);
    assert.ok(byType['driver.assigned'].payload.time_to_assign_ms >= 0);
    const [stored] = await flow.rows<{ final_fare: string; traveled_distance_meters: number }>(
      'SELECT trim_scale(final_fare)::text AS final_fare, traveled_distance_meters FROM atlas_driver_offer_bpp.ride WHERE id = $1',
      [ride.id],
    );
    assert.equal(Number(byType['ride.ended'].payload.fare.value), Number(stored!.final_fare));
    assert.equal(byType['ride.ended'].payload.distance_m, stored!.traveled_distance_meters);
    assert.equal(byType['payment.charged'].payload.method, 'CASH');
    assert.deepEqual(byType['payment.charged'].payload.amount, byType['ride.ended'].payload.fare);
    assert.deepEqual(byType['rating.given'].payload, { ride_id: ride.id, booking_id: order.id, rating: 5, rated: 'DRIVER' });
  });

  it('records ride.cancelled once for a rider cancel (RIDER, reason, the agreed fee), however often the cancel comes', async () => {
    const { selection, order, ride } = await bookRide(nextPickup(), bapPayment);
    for (let i = 0; i < 2; i += 1) assert.equal(((await cancelAsRider(selection, order.id)).body.message as any).order.status, 'CANCELLED');
    const cancelled = await outbox('bpp', `event_type = 'ride.cancelled' AND subject_id = $1`, [order.id]);
    assert.equal(cancelled.length, 1);
    assert.deepEqual(cancelled[0]!.payload, { booking_id: order.id, ride_id: ride.id, cancelled_by: 'RIDER', reason_code: '005', fee: { value: '30.00', currency: 'INR' } });
    assertValid(cancelled);
  });

  it('records ride.cancelled once for a driver cancel (DRIVER, the driver reason, no fee); a repeat is refused and records nothing', async () => {
    const { driver, order, ride } = await bookRide(nextPickup(), bapPayment);
    assert.equal((await flow.call('POST', `/driver/rides/${ride.id}/cancel`, { reasonCode: '014' }, driver.token)).status, 200);
    assert.equal((await flow.call('POST', `/driver/rides/${ride.id}/cancel`, { reasonCode: '014' }, driver.token)).status, 409);
    const cancelled = await outbox('bpp', `event_type = 'ride.cancelled' AND subject_id = $1`, [order.id]);
    assert.equal(cancelled.length, 1);
    assert.deepEqual(cancelled[0]!.payload, { booking_id: order.id, ride_id: ride.id, cancelled_by: 'DRIVER', reason_code: '014', fee: { value: '0.00', currency: 'INR' } });
    assertValid(cancelled);
  });

  it('records nothing for a confirm refused (40004) or rolled back by an error in its transaction', async () => {
    const { sequelize, logger } = flow.net.app.ctx;
    const initOnly = async (payment: Record<string, unknown>) => {
      const pickup = nextPickup();
      const driver = await flow.addSedan({ lat: pickup.lat + 0.001, lon: pickup.lon + 0.001 });
      const selection = await flow.selectSedan(pickup, driver);
      const onInit = await flow.send('init', flow.net.toOurBpp({ transaction_id: selection.transactionId }), flow.draftOrder(selection, payment));
      const [booking] = await flow.rows<{ id: string }>(
        'SELECT b.id FROM atlas_driver_offer_bpp.booking b JOIN atlas_driver_offer_bpp.allocation a ON a.id = b.allocation_id WHERE a.estimate_id = $1',
        [selection.itemId],
      );
      return { selection, draft: (onInit.body.message as any).order, bookingId: booking!.id };
    };
    const confirmEvents = (bookingId: string) => outbox('bpp', `event_type IN ('booking.confirmed', 'driver.assigned') AND subject_id = $1`, [bookingId]);

    // A PRE-ORDER confirm that does not report the payment PAID is refused and changes nothing.
    const prepaid = await initOnly(preOrderPayment);
    const refused = await flow.send('confirm', flow.net.toOurBpp({ transaction_id: prepaid.selection.transactionId }), flow.draftOrder(prepaid.selection, { ...prepaid.draft.payments[0] }));
    assert.equal((refused.body.error as { code?: string } | undefined)?.code, '40004');
    assert.deepEqual(await confirmEvents(prepaid.bookingId), []);

    // The confirm handler runs, then its transaction fails: the booking stays NEW and no event survives.
    const cash = await initOnly(cashPayment);
    const request: AcceptedMessage = {
      action: 'confirm',
      context: { domain: 'ONDC:TRV10', version: '2.0.1', action: 'confirm', ...flow.net.toOurBpp({ transaction_id: cash.selection.transactionId }) } as AcceptedMessage['context'],
      message: flow.draftOrder(cash.selection, { ...cash.draft.payments[0] }),
      error: undefined,
      sender: null,
      receivedAt: new Date(),
      attempt: 1,
    };
    const handler = createConfirmHandler({ sequelize, logger, quoteTtlSeconds: 300 });
    await assert.rejects(
      sequelize.transaction(async (transaction) => {
        const reply = await handler(request, transaction);
        assert.ok('message' in reply, 'the handler confirmed inside the transaction');
        assert.equal((await outbox('bpp', `event_type = 'booking.confirmed' AND subject_id = $1`, [cash.bookingId])).length, 0, 'not visible outside the transaction');
        throw new Error('forced failure after the confirm');
      }),
      /forced failure/,
    );
    assert.deepEqual(await confirmEvents(cash.bookingId), []);
    assert.equal((await flow.rows<{ status: string }>('SELECT status FROM atlas_driver_offer_bpp.booking WHERE id = $1', [cash.bookingId]))[0]?.status, 'NEW');

    // The confirm delivered for real records its events once.
    const confirmed = await flow.send('confirm', flow.net.toOurBpp({ transaction_id: cash.selection.transactionId }), flow.draftOrder(cash.selection, { ...cash.draft.payments[0] }));
    assert.equal(confirmed.body.error, undefined);
    assert.deepEqual(typesOf(await confirmEvents(cash.bookingId)), ['booking.confirmed', 'driver.assigned']);
  });

  it('records quote.declined_by_driver for a decline and EXPIRED for an offer left to expire', async () => {
    const pickup = nextPickup();
    const decliner = await flow.addSedan({ lat: pickup.lat + 0.001, lon: pickup.lon + 0.001 });
    const sleeper = await flow.addSedan({ lat: pickup.lat + 0.002, lon: pickup.lon + 0.002 });
    const selection = await flow.selectSedan(pickup);
    const searchId = await searchIdOf(selection.transactionId);
    const openOffer = async (driver: { token: string }) => {
      const offers = (await flow.call('GET', '/driver/ride-offers', undefined, driver.token)).body.offers as { id: string; allocation_id: string }[];
      const [allocation] = await flow.rows<{ id: string }>('SELECT id FROM atlas_driver_offer_bpp.allocation WHERE estimate_id = $1', [selection.itemId]);
      const offer = offers.find((o) => o.allocation_id === allocation?.id);
      assert.ok(offer, 'the driver is offered the ride');
      return offer;
    };
    const declined = await openOffer(decliner);
    const expiring = await openOffer(sleeper);
    assert.equal((await flow.call('POST', `/driver/ride-offers/${declined.id}/decline`, undefined, decliner.token)).status, 200);
    assert.equal((await flow.call('POST', `/driver/ride-offers/${declined.id}/decline`, undefined, decliner.token)).status, 409);

    // The sleeper's offer runs out; the allocation's next check marks it EXPIRED.
    await flow.rows('UPDATE atlas_driver_offer_bpp.ride_offer SET expires_at = now() - interval \'1 second\' WHERE id = $1 RETURNING id', [expiring.id]);
    await scheduleCheck(flow.net.app.ctx.scheduler, expiring.allocation_id, Date.now());
    const events = await waitFor(
      'the offer expired',
      async () => {
        const rows = await outbox('bpp', `event_type = 'quote.declined_by_driver' AND payload->>'search_id' = $1`, [searchId]);
        return rows.length === 2 ? rows : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    assert.deepEqual(
      events.map((e) => e.payload),
      [
        { search_id: searchId, driver_id: decliner.id, offer_id: declined.id, reason: 'DECLINED' },
        { search_id: searchId, driver_id: sleeper.id, offer_id: expiring.id, reason: 'EXPIRED' },
      ],
    );
    assertValid(events);
  });

  it('records driver.online and driver.offline on each change of status only', async () => {
    const driver = await flow.addSedan(nextPickup());
    const status = async (online: boolean) => assert.equal((await flow.call('POST', '/driver/status', { online }, driver.token)).status, 200);
    await status(true); // online already: no change
    await status(false);
    await status(false);
    await status(true);
    const events = await outbox('bpp', `event_type IN ('driver.online', 'driver.offline') AND subject_id = $1`, [driver.id]);
    assert.deepEqual(typesOf(events), ['driver.online', 'driver.offline', 'driver.online']);
    for (const event of events) {
      assert.deepEqual(event.payload, { driver_id: driver.id });
      assert.equal(event.variant, 'SEDAN');
      assert.equal(event.city, 'std:080');
    }
    assertValid(events);
  });

  it('records payout.settled once when a payout order reaches SUCCESS', async () => {
    const pickup = nextPickup();
    const { driver, ride } = await bookRide(pickup, bapPayment);
    await move(driver.token, ride.id, 'arrived');
    await move(driver.token, ride.id, 'start', { otp: ride.otp });
    await move(driver.token, ride.id, 'end');
    const { created } = await runPayouts(payouts);
    const payout = created.find((p) => p.driver_id === driver.id);
    assert.ok(payout, 'the driver has a payout');
    const [settled] = await waitFor(
      'payout.settled',
      async () => {
        const rows = await outbox('bpp', `event_type = 'payout.settled' AND subject_id = $1`, [payout.id]);
        return rows.length > 0 ? rows : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    assert.deepEqual(settled!.payload, { payout_order_id: payout.id, driver_id: driver.id, amount: { value: Number(payout.amount).toFixed(2), currency: 'INR' }, ride_count: 1 });
    assertValid([settled!]);
    // SUCCESS applied again (a late webhook or check) changes nothing and records nothing.
    const { sequelize, logger } = flow.net.app.ctx;
    assert.equal((await sequelize.transaction((t) => movePayoutStatus(sequelize, logger, t, payout.id, 'SUCCESS'))).outcome, 'unchanged');
    assert.equal((await outbox('bpp', `event_type = 'payout.settled' AND subject_id = $1`, [payout.id])).length, 1);
  });

  it('records the rider side’s payment.charged and payment.refunded once per transition', async () => {
    const { sequelize, logger, scheduler } = flow.net.app.ctx;
    const { bookingId, personId } = await riderBooking(sequelize, 'AWAITING_PAYMENT');
    const { order } = await createPaymentOrder(sequelize, RIDER_PAYMENTS_SCHEMA, { bookingId, personId, merchantId: 'gw-merchant', amount: '146', currency: 'INR' });
    const deps = { sequelize, logger } as unknown as ChargeDeps;
    const charge = () => sequelize.transaction((t) => applyGatewayStatus(deps, t, order.id, 'CHARGED'));
    assert.equal((await charge()).outcome, 'applied');
    assert.equal((await charge()).outcome, 'unchanged');
    const charged = await outbox('bap', `event_type = 'payment.charged' AND subject_id = $1`, [order.id]);
    assert.equal(charged.length, 1);
    assert.deepEqual(charged[0]!.payload, { order_id: order.id, booking_id: bookingId, amount: { value: '146', currency: 'INR' }, method: 'UNKNOWN' });
    assert.equal(charged[0]!.side, 'bap');
    assert.equal(charged[0]!.city, 'std:080');
    assert.equal(charged[0]!.cell, cellOf(12.9, 77.6));

    const refund = await createRefund(sequelize, logger, RIDER_PAYMENTS_SCHEMA, { orderId: order.id, amount: '46', idempotencyKey: `test:${order.id}` });
    assert.equal(refund.outcome, 'created');
    if (refund.outcome !== 'created') return;
    const gateway = {
      refund: async (): Promise<GatewayRefund> => ({ refundId: refund.refund.id, gatewayRefundId: `gw-${refund.refund.id}`, status: 'SUCCESS', amount: '46' }) as unknown as GatewayRefund,
      refundStatus: async (): Promise<GatewayRefund> => ({ refundId: refund.refund.id, gatewayRefundId: `gw-${refund.refund.id}`, status: 'SUCCESS', amount: '46' }) as unknown as GatewayRefund,
    };
    const job = createRefundJob({ sequelize, logger, scheduler, payments: { gateway, statusCheck: { baseDelayMs: 10, maxAttempts: 2 } } } as unknown as Parameters<typeof createRefundJob>[0]);
    const run = () => job({ id: `refund:${refund.refund.id}`, type: 'test', payload: { refundId: refund.refund.id, checks: 0 }, attempt: 1, scheduledFor: Date.now() });
    await run();
    await run();
    const refunded = await outbox('bap', `event_type = 'payment.refunded' AND subject_id = $1`, [refund.refund.id]);
    assert.equal(refunded.length, 1);
    assert.deepEqual(refunded[0]!.payload, { refund_id: refund.refund.id, order_id: order.id, booking_id: bookingId, amount: { value: '46', currency: 'INR' } });
    assertValid([...charged, ...refunded]);
  });

  it('records the rider side’s search.requested once, not again for an idempotent replay', async () => {
    const call = async (path: string, body: unknown, bearer: string, headers: Record<string, string> = {}) => {
      const response = await fetch(flow.net.app.baseUrl + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const rider = await call('/admin/riders', { name: 'Asha Rao', mobile_number: `+9198${String(Date.now()).slice(-8)}` }, flow.net.app.ctx.config.secrets.adminToken);
    assert.equal(rider.status, 201, JSON.stringify(rider.body));
    const pickup = nextPickup();
    const route = { pickup, drop: { lat: pickup.lat + 0.03, lon: pickup.lon + 0.03 } };
    const key = `events-search-${Date.now()}`;
    const first = await call('/rider/searches', route, rider.body.token, { 'idempotency-key': key });
    const again = await call('/rider/searches', route, rider.body.token, { 'idempotency-key': key });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.deepEqual(again.body, first.body);
    const searched = await outbox('bap', `event_type = 'search.requested' AND subject_id = $1`, [first.body.searchId]);
    assert.equal(searched.length, 1);
    assert.deepEqual(searched[0]!.payload, { search_id: first.body.searchId, pickup: route.pickup, drop: route.drop, distance_m: null });
    assert.equal(searched[0]!.side, 'bap');
    assert.equal(searched[0]!.cell, cellOf(pickup.lat, pickup.lon));
    assert.equal(searched[0]!.city, flow.net.app.ctx.config.beckn.bap.cityCode);
    assertValid(searched);
  });

  it('snapshots supply per city × cell × variant (two idle drivers in one cell, one on a ride in another), once per slot', async () => {
    const idleAt = nextPickup();
    const ridePickup = nextPickup();
    const idleA = await flow.addSedan(idleAt);
    const idleB = await flow.addSedan({ lat: idleAt.lat + 0.0001, lon: idleAt.lon + 0.0001 });
    const busyAt = { lat: ridePickup.lat + 0.001, lon: ridePickup.lon + 0.001 };
    const busy = await flow.addSedan(busyAt);
    await flow.selectSedan(ridePickup, busy); // accepted: the driver is ON_RIDE
    assert.equal(cellOf(idleAt.lat, idleAt.lon), cellOf(idleAt.lat + 0.0001, idleAt.lon + 0.0001), 'both idle drivers share a cell');

    // Only these three drivers have a position in this store; a stale fix is not counted.
    const now = Date.now();
    const locations = createMemoryDriverLocationStore({ staleAfterSeconds: 60 });
    await locations.update(idleA.id, { ...idleAt, ts: now });
    await locations.update(idleB.id, { lat: idleAt.lat + 0.0001, lon: idleAt.lon + 0.0001, ts: now });
    await locations.update(busy.id, { ...busyAt, ts: now });
    const stale = await flow.addSedan(nextPickup());
    await locations.update(stale.id, { ...nextPickup(), ts: now - 10 * 60_000 });

    const { sequelize, logger } = flow.net.app.ctx;
    const slot = Math.floor(now / 60_000) * 60_000 - 24 * 3_600_000;
    const deps = { sequelize, driverLocations: locations, logger, now: () => now };
    assert.equal(await recordSupplySnapshot(deps, slot), 2);
    assert.equal(await recordSupplySnapshot(deps, slot), 0, 'a retried slot records nothing');
    const snapshot = await outbox('bpp', `event_type = 'supply.snapshot' AND subject_id = $1`, [supplySnapshotId(slot)]);
    const byCell = Object.fromEntries(snapshot.map((e) => [e.cell, e]));
    assert.equal(snapshot.length, 2);
    assert.deepEqual(byCell[cellOf(idleAt.lat, idleAt.lon)]?.payload, { snapshot_id: supplySnapshotId(slot), online: 2, idle: 2, on_ride: 0 });
    assert.deepEqual(byCell[cellOf(busyAt.lat, busyAt.lon)]?.payload, { snapshot_id: supplySnapshotId(slot), online: 1, idle: 0, on_ride: 1 });
    for (const event of snapshot) {
      assert.equal(event.variant, 'SEDAN');
      assert.equal(event.city, 'std:080');
      assert.equal(event.merchant_id, flow.merchantId);
      assert.equal(new Date(event.occurred_at).getTime(), slot);
    }
    assertValid(snapshot);

    // The job registerBpp scheduled (every 500 ms here) counts the live positions the drivers posted.
    const live = await waitFor(
      'a scheduled supply snapshot of the idle drivers’ cell',
      async () => {
        const rows = await outbox('bpp', `event_type = 'supply.snapshot' AND subject_id <> $1 AND cell = $2 AND (payload->>'idle')::int = 2`, [
          supplySnapshotId(slot),
          cellOf(idleAt.lat, idleAt.lon),
        ]);
        return rows[0];
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    assertValid([live]);
  });

  it('every event these tests recorded, on both sides, matches its schema', async () => {
    const all = [...(await outbox('bpp', 'true', [])), ...(await outbox('bap', 'true', []))];
    assert.ok(all.length > 0);
    assert.deepEqual(new Set(all.map((e) => e.event_version)), new Set([1]));
    assertValid(all);
  });
});
