import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { startOwnRedis, type OwnRedis } from '../support/own-stores.js';
import { waitFor, waitUntil } from '../support/wait-until.js';
import { assertCleanError, pickupOf, receipts, rideFlow, startBppNetwork, type BppNetwork, type ConfirmedRide, type RideFlow } from './fault-rides.js';

/**
 * Redis (correlation, duplicate claims, rate limits, scheduler, driver locations)
 * restarted empty while rides run on a BPP process. Every booking lives in
 * Postgres, so rides confirmed before the restart go on after it; searches
 * in flight may expire. The process survives, readiness names the outage
 * while it lasts and recovers by itself.
 */
describe('faults: Redis restarted while rides run', function () {
  this.timeout(240_000);
  const RIDES = 6;
  const SEARCHES = 6;
  let redis: OwnRedis;
  let database: FreshDatabase;
  let net: BppNetwork;
  let flow: RideFlow;

  before(async () => {
    [redis, database] = await Promise.all([startOwnRedis(), freshServerDatabase('faults_redis')]);
    net = await startBppNetwork({ databaseUrl: database.url, redisUrl: redis.url, label: 'faults-redis' });
    flow = rideFlow(net);
    await flow.setUp();
  });

  after(async () => {
    await net?.close();
    await redis?.dispose();
    await database?.dispose();
  });

  const ready = () => net.call('GET', '/health/ready', undefined, undefined, { timeoutMs: 15_000 });
  const alive = () => net.replicas[0]!.child.exitCode === null && net.replicas[0]!.child.signalCode === null;

  it('keeps every booking going from Postgres, reports the outage on /health/ready and recovers by itself', async () => {
    const started = Date.now();
    const rides: ConfirmedRide[] = await Promise.all(Array.from({ length: RIDES }, (_, i) => flow.confirmedRide(i)));
    assert.equal((await ready()).status, 200);

    // Searches in flight when Redis goes: each from a pickup with a driver (the rides' own, still online).
    const searchIds = Array.from({ length: SEARCHES }, () => randomUUID());
    // Redis goes as soon as the first of them is answered: the others meet the outage on their way in or in their handlers.
    let answered = 0;
    const inFlight = searchIds.map((transactionId, i) =>
      net
        .send('search', { transaction_id: transactionId }, flow.searchIntent(pickupOf(i)), { timeoutMs: 20_000 })
        .catch((error: Error) => error)
        .finally(() => answered++),
    );
    await waitUntil('a search in flight answered', () => answered > 0, { timeoutMs: 30_000, intervalMs: 5 });
    await redis.stop();
    const outageStarted = Date.now();

    // While it is down: readiness names the failing check, bounded; the process lives on.
    const down = await waitFor(
      'readiness to report the Redis outage',
      async () => {
        const answer = await ready();
        return answer.status === 503 ? answer : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    assert.ok(down.body.failing.includes('correlation_store'), JSON.stringify(down.body));
    assert.equal(down.body.checks.postgres.status, 'ok', 'Postgres is not blamed');
    assert.ok(down.ms < 15_000, `readiness answered in ${down.ms} ms`);
    // A request during the outage is answered (any status), within a bound.
    const duringOutage = await net.send('search', {}, flow.searchIntent(pickupOf(0)), { timeoutMs: 20_000 });
    assert.ok(duringOutage.ms < 20_000);
    assertCleanError(duringOutage, 'a search during the outage');
    assert.ok(alive(), 'the process survives the outage');
    const searchAnswers = await Promise.all(inFlight);
    for (const answer of searchAnswers) {
      assert.ok(!(answer instanceof Error), `every search in flight is answered: ${String(answer)}`);
      if (answer.status !== 200) assertCleanError(answer, 'a search in flight');
    }

    await redis.start();
    const recovered = await waitFor(
      'readiness to recover without a restart',
      async () => {
        const answer = await ready();
        return answer.status === 200 ? answer : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const outageMs = Date.now() - outageStarted;
    assert.deepEqual(recovered.body.failing, []);
    assert.ok(alive(), 'the same process serves after the outage');

    // Driver locations were in Redis: the drivers report again, as the app does every few seconds.
    await Promise.all(rides.map((ride) => flow.postLocation(ride.driver, { lat: pickupOf(ride.index).lat + 0.001, lon: pickupOf(ride.index).lon + 0.001 })));

    // Rides confirmed before the restart: two cancelled by their driver, the others arrive, start and end.
    const cancelled = rides.slice(0, 2);
    const completed = rides.slice(2);
    const expectOk = async (ride: ConfirmedRide, what: 'arrived' | 'start' | 'end' | 'cancel') => {
      const answer = await flow.move(ride, what);
      assert.equal(answer.status, 200, `${what} of ride ${ride.index} after the restart: ${answer.status} ${answer.text}`);
    };
    await Promise.all([
      ...cancelled.map((ride) => expectOk(ride, 'cancel')),
      ...completed.map(async (ride) => {
        await expectOk(ride, 'arrived');
        await expectOk(ride, 'start');
        await expectOk(ride, 'end');
      }),
    ]);
    // And a new ride from search to confirm on the recovered Redis.
    const fresh = await flow.confirmedRide(RIDES);
    const transactionIds = [...rides, fresh].map((ride) => ride.transactionId);

    const bookings = await net.sql<{ id: string; status: string; ride_status: string }>(
      `SELECT b.id, b.status, r.status AS ride_status FROM atlas_driver_offer_bpp.booking b JOIN atlas_driver_offer_bpp.ride r ON r.booking_id = b.id WHERE b.id = ANY($1)`,
      [rides.map((ride) => ride.orderId)],
    );
    const statusOf = (ride: ConfirmedRide) => bookings.find((b) => b.id === ride.orderId);
    for (const ride of completed) assert.deepEqual([statusOf(ride)?.status, statusOf(ride)?.ride_status], ['CONFIRMED', 'COMPLETED'], `ride ${ride.index}`);
    for (const ride of cancelled) assert.deepEqual([statusOf(ride)?.status, statusOf(ride)?.ride_status], ['CANCELLED', 'CANCELLED'], `ride ${ride.index}`);

    // Every callback owed to the BAP arrives once: the outbox rows of these transactions against what the BAP ACKed.
    let owed: Awaited<ReturnType<RideFlow['owed']>> = [];
    await waitUntil(
      'every owed callback delivered',
      async () => {
        owed = await flow.owed(transactionIds);
        const got = receipts(net, transactionIds);
        return owed.every((row) => got.has(`${row.action}:${row.message_id}`));
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const got = receipts(net, transactionIds);
    const lost = owed.filter((row) => !got.has(`${row.action}:${row.message_id}`));
    const repeated = [...got.values()].filter((n) => n > 1).length;
    const onStatus = owed.filter((row) => row.action === 'on_status').length;
    const onCancel = owed.filter((row) => row.action === 'on_cancel').length;
    assert.deepEqual(lost, []);
    assert.equal(repeated, 0, 'no callback twice');
    assert.equal(onCancel, cancelled.length, 'one on_cancel per driver cancel');
    assert.ok(onStatus >= completed.length * 3, `arrival, start and end of each completed ride pushed (${onStatus})`);
    assert.ok(alive(), 'no crash');

    const searchesAnswered = searchIds.filter((id) => net.bap.received.some((m) => m.action === 'on_search' && m.body.context.transaction_id === id)).length;
    const searchesAcked = searchAnswers.filter((a) => !(a instanceof Error) && a.status === 200).length;
    console.log(
      `faults: redis restarted, ${RIDES} rides confirmed before, ${completed.length} completed and ${cancelled.length} cancelled after, 1 new ride confirmed after; ` +
        `searches in flight ${SEARCHES} (ACKed ${searchesAcked}, answered ${searchesAnswered}, expired ${SEARCHES - searchesAnswered}); ` +
        `search during the outage answered ${duringOutage.status} ${JSON.stringify(duringOutage.body?.error?.code ?? duringOutage.body?.error)} in ${duringOutage.ms} ms; readiness 503 [${down.body.failing.join(', ')}] then 200 ${outageMs} ms after the stop; ` +
        `owed callbacks ${owed.length}, lost ${lost.length}, repeated ${repeated}; crashes ${alive() ? 0 : 1}; ${Math.round((Date.now() - started) / 1000)} s`,
    );
  });
});
