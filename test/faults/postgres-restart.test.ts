import assert from 'node:assert/strict';
import { startOwnPostgres, type OwnPostgres } from '../support/own-stores.js';
import { testServices } from '../support/services.js';
import { waitFor, waitUntil } from '../support/wait-until.js';
import { assertCleanError, pickupOf, receipts, rideFlow, startBppNetwork, type Answer, type BppNetwork, type ConfirmedRide, type RideFlow } from './fault-rides.js';

const BOUND_MS = 15_000;
const nack503 = { status: 503, body: { message: { ack: { status: 'NACK' } }, error: { code: '23001', message: 'down for a moment' } } };
const ack = { status: 200, body: { message: { ack: { status: 'ACK' } } } };

/**
 * Postgres (a cluster of this test's own) stopped mid-ride and started again,
 * under a BPP process with rides at every stage: while it is down every
 * request is answered within a bound with a clean error (a Beckn NACK to
 * retry, or a JSON 5xx without a stack); no booking is left half-written;
 * once it is back the outbox resumes and every callback owed arrives once.
 */
describe('faults: Postgres restarted mid-ride', function () {
  this.timeout(240_000);
  const RIDES = 4;
  /** Bookings waiting for their confirm: half confirmed as Postgres stops, half while it is down. */
  const CONFIRMS = 4;
  let postgres: OwnPostgres;
  let net: BppNetwork;
  let flow: RideFlow;

  before(async () => {
    postgres = await startOwnPostgres();
    net = await startBppNetwork({
      databaseUrl: postgres.url,
      redisUrl: testServices.redisUrl,
      label: 'faults-pg',
      env: { HANDLER_LEASE_MS: '5000' },
    });
    flow = rideFlow(net);
    await flow.setUp();
  });

  after(async () => {
    await net?.close();
    await postgres?.dispose();
  });

  const ready = () => net.call('GET', '/health/ready', undefined, undefined, { timeoutMs: BOUND_MS });
  const alive = () => net.replicas[0]!.child.exitCode === null && net.replicas[0]!.child.signalCode === null;

  it('answers cleanly while it is down, leaves no booking half-written, and delivers every owed callback once after', async () => {
    const started = Date.now();
    const [rides, waiting] = await Promise.all([
      Promise.all(Array.from({ length: RIDES }, (_, i) => flow.confirmedRide(i))),
      Promise.all(Array.from({ length: CONFIRMS }, (_, i) => flow.initialisedBooking(RIDES + i))),
    ]);

    // Callbacks owed when Postgres goes: the BAP refuses the arrivals for now, so they wait in the outbox.
    net.bap.respond = () => nack503;
    await Promise.all(rides.map(async (ride) => assert.equal((await flow.move(ride, 'arrived')).status, 200)));
    await waitUntil(
      'the arrivals to wait in the outbox, refused once',
      async () => {
        const rows = await net.sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM beckn_protocol.outbox WHERE transaction_id = ANY($1) AND action = 'on_status' AND status = 'pending' AND attempts > 0`,
          [rides.map((r) => r.transactionId)],
        );
        return rows[0]!.n === RIDES;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );

    // Confirms in flight as Postgres stops, and more while it is down: each is either taken (and handled once it is back) or refused, never half done.
    const sendConfirm = (booking: (typeof waiting)[number]) =>
      net.send('confirm', { transaction_id: booking.transactionId }, booking.confirmMessage, { timeoutMs: BOUND_MS + 5_000 }).catch((error: Error) => error);
    const confirms = waiting.slice(0, CONFIRMS / 2).map(sendConfirm);
    await postgres.stop('fast');
    confirms.push(...waiting.slice(CONFIRMS / 2).map(sendConfirm));
    const outageStarted = Date.now();

    // While it is down: readiness names it; Beckn requests are NACKed to be retried; REST calls get a JSON 5xx; all within the bound.
    const down = await waitFor(
      'readiness to report the Postgres outage',
      async () => {
        const answer = await ready();
        return answer.status === 503 ? answer : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    assert.ok(down.body.failing.includes('postgres'), JSON.stringify(down.body));
    const ride0 = rides[0]!;
    const during: { what: string; kind: 'beckn' | 'rest'; answer: Answer }[] = [];
    const attempt = async (what: string, kind: 'beckn' | 'rest', request: () => Promise<Answer>) => {
      const answer = await request();
      during.push({ what, kind, answer });
    };
    await Promise.all([
      attempt('status', 'beckn', () => net.send('status', { transaction_id: ride0.transactionId }, { order_id: ride0.orderId }, { timeoutMs: BOUND_MS })),
      attempt('search', 'beckn', () => net.send('search', {}, flow.searchIntent(pickupOf(0)), { timeoutMs: BOUND_MS })),
      attempt('cancel', 'beckn', () =>
        net.send('cancel', { transaction_id: rides[1]!.transactionId }, { order_id: rides[1]!.orderId, cancellation_reason_id: '005', descriptor: { code: 'SOFT_CANCEL', name: 'Ride Cancellation' } }, { timeoutMs: BOUND_MS }),
      ),
      attempt('driver start', 'rest', () => flow.move(ride0, 'start', { timeoutMs: BOUND_MS })),
      attempt('driver rides', 'rest', () => net.call('GET', '/driver/rides', ride0.driver.token, undefined, { timeoutMs: BOUND_MS })),
      attempt('driver location', 'rest', () => net.call('POST', '/driver/location', ride0.driver.token, { points: [{ ...pickupOf(0), ts: Date.now() }] }, { timeoutMs: BOUND_MS })),
      attempt('operator merchants', 'rest', () => net.call('GET', '/provider/merchants', net.adminToken, undefined, { timeoutMs: BOUND_MS })),
    ]);
    for (const { what, kind, answer } of during) {
      assert.ok(answer.ms < BOUND_MS, `${what} answered in ${answer.ms} ms`);
      assertCleanError(answer, what);
      if (kind === 'beckn') {
        assert.ok(answer.status === 503 || (answer.status >= 500 && answer.body?.message?.ack?.status === 'NACK'), `${what}: a retryable NACK or 503, got ${answer.status} ${answer.text}`);
        assert.equal(answer.body?.message?.ack?.status ?? 'NACK', 'NACK', `${what} is not ACKed`);
      } else if (what === 'driver location') {
        // Locations live in Redis: a driver's position may still be taken.
        assert.ok(answer.status === 200 || answer.status === 503, `${what}: ${answer.status} ${answer.text}`);
      } else {
        assert.equal(answer.status, 503, `${what}: a 503 (retry later), got ${answer.status} ${answer.text}`);
        assert.equal(answer.body?.error?.code, 'UNAVAILABLE', `${what}: a JSON error body: ${answer.text}`);
      }
    }
    const confirmAnswers = await Promise.all(confirms);
    for (const answer of confirmAnswers) {
      assert.ok(!(answer instanceof Error), `every confirm in flight is answered: ${String(answer)}`);
      assert.ok(answer.ms < BOUND_MS + 5_000, `confirm answered in ${answer.ms} ms`);
      if (answer.status !== 200) assertCleanError(answer, 'a confirm in flight');
    }
    assert.ok(alive(), 'the process survives the outage');

    // Back: nothing delivered while it was down can have been ACKed, so every callback below is owed exactly once.
    net.bap.respond = () => ack;
    await postgres.start();
    await waitFor(
      'readiness to recover without a restart',
      async () => {
        const answer = await ready();
        return answer.status === 200 ? answer : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const outageMs = Date.now() - outageStarted;

    // The BAP retries the confirms that were refused, with the same bytes, as a BAP does after a NACK.
    const refused = confirmAnswers.filter((a) => !(a instanceof Error) && a.status !== 200).length;
    const onConfirms = await Promise.all(
      waiting.map(async (booking, i) => {
        const first = confirmAnswers[i] as Answer & { messageId: string; raw: Buffer };
        if (first.status !== 200) {
          const retry = await net.send('confirm', {}, undefined, { raw: first.raw, timeoutMs: BOUND_MS });
          assert.equal(retry.status, 200, `the retried confirm: ${retry.text}`);
        }
        return flow.confirmed(booking, await flow.callback(first.messageId, 90_000));
      }),
    );

    // The rides go on: started, ended (and the confirmed-during-outage ones too).
    const all: ConfirmedRide[] = [...rides, ...onConfirms];
    await Promise.all(
      all.map(async (ride) => {
        if (ride.index >= RIDES) assert.equal((await flow.move(ride, 'arrived')).status, 200);
        for (const step of ['start', 'end'] as const) {
          const answer = await flow.move(ride, step);
          assert.equal(answer.status, 200, `${step} of ride ${ride.index} after the restart: ${answer.text}`);
        }
      }),
    );

    // No half-written booking: a confirmed booking has its ride, an unconfirmed one none.
    const bookings = await net.sql<{ status: string; rides: number }>(
      `SELECT b.status, count(r.id)::int AS rides FROM atlas_driver_offer_bpp.booking b LEFT JOIN atlas_driver_offer_bpp.ride r ON r.booking_id = b.id GROUP BY b.id, b.status`,
    );
    const confirmedBookings = bookings.filter((b) => b.status === 'CONFIRMED').length;
    const halfWritten = bookings.filter((b) => (b.status === 'CONFIRMED' ? b.rides !== 1 : b.rides !== 0));
    assert.deepEqual(halfWritten, []);
    assert.equal(confirmedBookings, RIDES + CONFIRMS);
    const completedRides = (await net.sql<{ n: number }>(`SELECT count(*)::int AS n FROM atlas_driver_offer_bpp.ride WHERE status = 'COMPLETED'`))[0]!.n;
    assert.equal(completedRides, RIDES + CONFIRMS);

    // Every callback the outbox owes the BAP for these rides arrives, once.
    const transactionIds = all.map((ride) => ride.transactionId);
    let owed: Awaited<ReturnType<RideFlow['owed']>> = [];
    await waitUntil(
      'every owed callback delivered',
      async () => {
        owed = await flow.owed(transactionIds);
        const got = receipts(net, transactionIds);
        return owed.length > 0 && owed.every((row) => got.has(`${row.action}:${row.message_id}`));
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const got = receipts(net, transactionIds);
    const lost = owed.filter((row) => !got.has(`${row.action}:${row.message_id}`));
    const repeated = [...got.entries()].filter(([, n]) => n > 1);
    assert.deepEqual(lost, []);
    assert.deepEqual(repeated, [], 'each callback ACKed once');
    assert.equal(owed.filter((row) => row.action === 'on_confirm').length, RIDES + CONFIRMS, 'one on_confirm per booking');
    assert.ok(alive(), 'no crash');

    const beckn = during.filter((d) => d.kind === 'beckn').map((d) => `${d.what} ${d.answer.status}/${d.answer.body?.error?.code ?? '-'}`);
    const rest = during.filter((d) => d.kind === 'rest').map((d) => `${d.what} ${d.answer.status}/${d.answer.body?.error?.code ?? '-'}`);
    const slowest = Math.max(...during.map((d) => d.answer.ms), ...confirmAnswers.map((a) => (a instanceof Error ? Infinity : a.ms)));
    console.log(
      `faults: postgres restarted, ${RIDES} rides mid-ride and ${CONFIRMS} confirms in flight (${CONFIRMS - refused} taken, ${refused} refused and retried); ` +
        `during the outage: beckn [${beckn.join(', ')}], rest [${rest.join(', ')}], slowest answer ${slowest} ms; readiness 503 [${down.body.failing.join(', ')}], 200 again ${outageMs} ms after the stop; ` +
        `bookings ${bookings.length}, confirmed ${confirmedBookings}, half-written ${halfWritten.length}, rides completed ${completedRides}; ` +
        `owed callbacks ${owed.length}, delivered ${got.size}, lost ${lost.length}, repeated ${repeated.length}; crashes ${alive() ? 0 : 1}; ${Math.round((Date.now() - started) / 1000)} s`,
    );
  });
});
