import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LatLon } from '../../src/bpp/domain/index.js';
import { waitUntil } from '../support/wait-until.js';
import { bapPayment, startBookingFlow, type BookingFlow, type Selection } from './booking-flow.js';

/** Pickups more than the 5 km offer radius apart, so each test's drivers only see their own rides. */
const pickups: Record<string, LatLon> = {
  bound: { lat: 12.4, lon: 77.3 },
  skips: { lat: 12.3, lon: 77.3 },
  accepts: { lat: 12.4, lon: 77.4 },
  firstRide: { lat: 12.4, lon: 77.5 },
  secondRide: { lat: 12.4, lon: 77.6 },
};

/** Ride statuses that hold a driver: the ride is neither ended nor cancelled. */
const LIVE = "('NEW', 'ARRIVED', 'INPROGRESS')";

/**
 * A driver holds at most DRIVER_MAX_PARALLEL_OFFERS open ride offers, also
 * when selects race for him, and never two live rides: the second accept of
 * a driver is refused, and the database refuses a second live ride outright.
 */
describe('BPP allocation: a driver bounded in open offers and live rides', function () {
  this.timeout(240_000);
  let flow: BookingFlow;

  before(async () => {
    flow = await startBookingFlow({ env: { DRIVER_MAX_PARALLEL_OFFERS: '2' } });
  });
  after(async () => {
    await flow?.close();
  });

  const openOffersInDb = async (driverId: string) =>
    (
      await flow.rows<{ n: number }>(
        "SELECT count(*)::int AS n FROM atlas_driver_offer_bpp.ride_offer WHERE driver_id = $1 AND status = 'OFFERED' AND expires_at > now()",
        [driverId],
      )
    )[0]!.n;
  const liveRidesOf = async (driverId: string) =>
    flow.rows<{ id: string }>(`SELECT id FROM atlas_driver_offer_bpp.ride WHERE driver_id = $1 AND status IN ${LIVE}`, [driverId]);
  const offersOf = async (driver: { token: string }) =>
    (await flow.call('GET', '/driver/ride-offers', undefined, driver.token)).body.offers as { id: string; allocation_id: string }[];

  it('leaves a lone driver with at most 2 open offers when three selects race, and answers the third with 90203', async () => {
    const driver = await flow.addSedan({ lat: pickups.bound!.lat + 0.001, lon: pickups.bound!.lon + 0.001 });
    const selections = await Promise.all([0, 1, 2].map(() => flow.selectSedan(pickups.bound!)));

    const offers = await offersOf(driver);
    assert.equal(offers.length, 2, JSON.stringify(offers));
    assert.equal(await openOffersInDb(driver.id), 2);
    // The select that found the driver at his bound had nobody to offer the ride to.
    const refusals = selections.map((s) =>
      flow.net.bap.received.filter((m) => m.action === 'on_select' && m.body.context.transaction_id === s.transactionId && (m.body.error as any)?.code === '90203'),
    );
    assert.deepEqual(refusals.map((r) => r.length).sort(), [0, 0, 1]);
  });

  it('passes over a driver at his bound for one farther away, and offers him rides again once he declined one', async () => {
    const near = await flow.addSedan({ lat: pickups.skips!.lat + 0.001, lon: pickups.skips!.lon + 0.001 });
    await flow.selectSedan(pickups.skips!);
    await flow.selectSedan(pickups.skips!);
    assert.equal(await openOffersInDb(near.id), 2);
    const far = await flow.addSedan({ lat: pickups.skips!.lat + 0.01, lon: pickups.skips!.lon + 0.01 });

    const third = await flow.selectSedan(pickups.skips!);
    const offeredIn = async (s: Selection) =>
      (
        await flow.rows<{ driver_id: string }>(
          'SELECT o.driver_id FROM atlas_driver_offer_bpp.ride_offer o JOIN atlas_driver_offer_bpp.allocation a ON a.id = o.allocation_id WHERE a.estimate_id = $1',
          [s.itemId],
        )
      ).map((row) => row.driver_id);
    assert.deepEqual(await offeredIn(third), [far.id], 'the nearer driver holds 2 open offers already');

    const [declined] = await offersOf(near);
    assert.equal((await flow.call('POST', `/driver/ride-offers/${declined!.id}/decline`, undefined, near.token)).status, 200);
    const fourth = await flow.selectSedan(pickups.skips!);
    assert.ok((await offeredIn(fourth)).includes(near.id), 'a declined offer frees a place');
    assert.equal(await openOffersInDb(near.id), 2);
  });

  it('lets a driver with two open offers win only one of two concurrent accepts; the other is a 409 and he has one live ride', async () => {
    const driver = await flow.addSedan({ lat: pickups.accepts!.lat + 0.001, lon: pickups.accepts!.lon + 0.001 });
    const selections = [await flow.selectSedan(pickups.accepts!), await flow.selectSedan(pickups.accepts!)];
    let offers: { id: string; allocation_id: string }[] = [];
    await waitUntil('both offers are out', async () => (offers = await offersOf(driver)).length === 2, { timeoutMs: 30_000, intervalMs: 100 });

    const answers = await Promise.all(offers.map((offer) => flow.call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, driver.token)));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409], JSON.stringify(answers));
    const refused = answers.find((a) => a.status === 409)!;
    assert.equal(refused.body.error.code, 'CONFLICT');
    assert.match(refused.body.error.message, /not on a ride/);
    const assigned = await flow.rows<{ id: string; estimate_id: string }>(
      "SELECT id, estimate_id FROM atlas_driver_offer_bpp.allocation WHERE driver_id = $1 AND status = 'ASSIGNED'",
      [driver.id],
    );
    assert.equal(assigned.length, 1);

    // The BAP books the ride he won; he ends up with exactly one live ride.
    const won = selections.find((s) => s.itemId === assigned[0]!.estimate_id) as Selection;
    const onSelect = await flow.net.bap.waitFor((m) => m.action === 'on_select' && m.body.context.transaction_id === won.transactionId, 30_000);
    const selected = { ...won, selected: (onSelect.body.message as any).order };
    const onInit = await flow.send('init', flow.net.toOurBpp({ transaction_id: won.transactionId }), flow.draftOrder(selected, bapPayment));
    const payment = (onInit.body.message as any).order.payments[0];
    const onConfirm = await flow.send('confirm', flow.net.toOurBpp({ transaction_id: won.transactionId }), flow.draftOrder(selected, payment));
    assert.equal(onConfirm.body.error, undefined, JSON.stringify(onConfirm.body.error));
    assert.equal((await liveRidesOf(driver.id)).length, 1);
  });

  it('refuses in the database a second live ride of a driver, and lets ended or cancelled rides be', async () => {
    const first = await flow.confirmedRide(pickups.firstRide!);
    const second = await flow.confirmedRide(pickups.secondRide!);
    const sql = (text: string, bind: unknown[]) => flow.net.app.ctx.sequelize.query(text, { bind });

    await assert.rejects(sql('UPDATE atlas_driver_offer_bpp.ride SET driver_id = $1 WHERE id = $2', [first.driver.id, second.ride.id]), (error: any) => {
      assert.equal(error.original?.constraint, 'ride_live_driver_idx', String(error));
      return true;
    });
    await sql("UPDATE atlas_driver_offer_bpp.ride SET status = 'CANCELLED' WHERE id = $1", [second.ride.id]);
    const insertRide = (status: string) =>
      sql(`INSERT INTO atlas_driver_offer_bpp.ride (id, booking_id, driver_id, otp, status) VALUES ($1, $2, $3, '1234', $4)`, [
        randomUUID(),
        second.order.id,
        first.driver.id,
        status,
      ]);
    for (const status of ['NEW', 'ARRIVED', 'INPROGRESS']) {
      await assert.rejects(insertRide(status), (error: any) => {
        assert.equal(error.original?.constraint, 'ride_live_driver_idx', `${status}: ${String(error)}`);
        return true;
      });
    }
    await insertRide('CANCELLED');
    assert.deepEqual(await liveRidesOf(first.driver.id), [{ id: first.ride.id }]);
  });
});
