import assert from 'node:assert/strict';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { testServices } from '../support/services.js';
import { waitUntil } from '../support/wait-until.js';
import { receipts, rideFlow, startBppNetwork, type BppNetwork, type ConfirmedRide, type RideFlow } from './fault-rides.js';

const nack503 = { status: 503, body: { message: { ack: { status: 'NACK' } }, error: { code: '23001', message: 'down for a moment' } } };
const ack = { status: 200, body: { message: { ack: { status: 'ACK' } } } };

/**
 * A BPP replica SIGKILLed mid-ride while it owes callbacks: rides arrived
 * whose on_status the BAP has refused so far (outbox), and confirms it has
 * just ACKed (inbox, handlers running). The other replica, on the same
 * Postgres and Redis, completes every owed callback, each ACKed once by the
 * BAP, and the rides are completed through it; the killed replica, started
 * again, takes its share of the rides' ends.
 *
 * test/protocol/durable-callbacks.test.ts covers the single process started
 * again after a kill, with a stand-in handler; here it is the real provider
 * domain, several rides at once and a second replica.
 */
describe('faults: a BPP process SIGKILLed mid-ride', function () {
  this.timeout(300_000);
  const RIDES = 4;
  const CONFIRMS = 3;
  let database: FreshDatabase;
  let net: BppNetwork;
  let flow: RideFlow;

  before(async () => {
    database = await freshServerDatabase('faults_kill');
    net = await startBppNetwork({
      databaseUrl: database.url,
      redisUrl: testServices.redisUrl,
      replicas: 2,
      label: 'faults-kill',
      env: { HANDLER_LEASE_MS: '3000' },
    });
    flow = rideFlow(net);
    await flow.setUp();
  });

  after(async () => {
    await net?.close();
    await database?.dispose();
  });

  const alive = (replica: number) => net.replicas[replica]!.child.exitCode === null && net.replicas[replica]!.child.signalCode === null;

  it('the other replica completes every owed callback once, and the rides complete after', async () => {
    const started = Date.now();
    const [rides, waiting] = await Promise.all([
      Promise.all(Array.from({ length: RIDES }, (_, i) => flow.confirmedRide(i))),
      Promise.all(Array.from({ length: CONFIRMS }, (_, i) => flow.initialisedBooking(RIDES + i))),
    ]);

    // Owed in the outbox: the BAP refuses callbacks for now; the rides' arrivals (through replica A) wait to be delivered.
    net.bap.respond = () => nack503;
    const refusedBefore = net.bap.received.length;
    const receivedBefore = net.bap.received.slice(0, refusedBefore).filter((m) => [...rides, ...waiting].some((r) => r.transactionId === m.body.context.transaction_id)).length;
    await Promise.all(rides.map(async (ride) => assert.equal((await flow.move(ride, 'arrived')).status, 200)));
    await waitUntil(
      'the arrivals refused once by the BAP',
      async () => {
        const rows = await net.sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM beckn_protocol.outbox WHERE transaction_id = ANY($1) AND action = 'on_status' AND status = 'pending' AND attempts > 0`,
          [rides.map((r) => r.transactionId)],
        );
        return rows[0]!.n === RIDES;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );

    // Owed in the inbox: confirms replica A has just ACKed, their handlers running as it dies.
    const confirms = await Promise.all(waiting.map((booking) => net.send('confirm', { transaction_id: booking.transactionId }, booking.confirmMessage)));
    for (const answer of confirms) assert.equal(answer.status, 200, answer.text);
    const a = net.replicas[0]!;
    a.child.kill('SIGKILL');
    assert.equal(await a.exited, null, 'killed, no exit code');
    const killedAt = Date.now();
    const pendingAtKill = await net.sql<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM beckn_protocol.outbox WHERE transaction_id = ANY($1) GROUP BY status`,
      [[...rides, ...waiting].map((r) => r.transactionId)],
    );
    const inboxAtKill = await net.sql<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM beckn_protocol.inbox WHERE transaction_id = ANY($1) AND action = 'confirm' GROUP BY status`,
      [waiting.map((r) => r.transactionId)],
    ).catch(() => []);

    // The BAP takes callbacks again: replica B delivers what A owed.
    net.bap.respond = () => ack;
    const onConfirms = await Promise.all(confirms.map((answer) => flow.callback(answer.messageId, 90_000)));
    const confirmed: ConfirmedRide[] = await Promise.all(waiting.map((booking, i) => flow.confirmed(booking, onConfirms[i]!)));
    const all = [...rides, ...confirmed];
    const ids = all.map((ride) => ride.transactionId);
    await waitUntil(
      'every callback owed at the kill delivered by replica B',
      async () => {
        const owed = await flow.owed(ids);
        const got = receipts(net, ids);
        return owed.every((row) => got.has(`${row.action}:${row.message_id}`));
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const takenOverMs = Date.now() - killedAt;
    assert.ok(alive(1), 'replica B lives');

    // The rides complete through B; A, started again, ends half of them.
    const b = 1;
    await Promise.all(
      confirmed.map(async (ride) => assert.equal((await flow.move(ride, 'arrived', { replica: b })).status, 200, `arrival of ride ${ride.index}`)),
    );
    await Promise.all(all.map(async (ride) => assert.equal((await flow.move(ride, 'start', { replica: b })).status, 200, `start of ride ${ride.index}`)));
    await net.restart(0);
    await Promise.all(
      all.map(async (ride, i) => {
        const answer = await flow.move(ride, 'end', { replica: i % 2 });
        assert.equal(answer.status, 200, `end of ride ${ride.index}: ${answer.text}`);
      }),
    );
    const completed = (
      await net.sql<{ n: number }>(`SELECT count(*)::int AS n FROM atlas_driver_offer_bpp.ride WHERE status = 'COMPLETED' AND booking_id = ANY($1)`, [all.map((r) => r.orderId)])
    )[0]!.n;
    assert.equal(completed, RIDES + CONFIRMS);

    // Exactly once at the receiver: every callback of these rides ACKed by the BAP once, none lost.
    let owed: Awaited<ReturnType<RideFlow['owed']>> = [];
    await waitUntil(
      'every callback of the rides delivered',
      async () => {
        owed = await flow.owed(ids);
        const got = receipts(net, ids);
        return owed.every((row) => got.has(`${row.action}:${row.message_id}`));
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const got = receipts(net, ids);
    const lost = owed.filter((row) => !got.has(`${row.action}:${row.message_id}`));
    const repeated = [...got.entries()].filter(([, n]) => n > 1);
    const endedPushes = owed.filter((row) => row.action === 'on_status').length;
    assert.deepEqual(lost, []);
    assert.deepEqual(repeated, [], 'each callback ACKed once');
    assert.equal(owed.filter((row) => row.action === 'on_confirm').length, RIDES + CONFIRMS);
    assert.equal(endedPushes, (RIDES + CONFIRMS) * 3, 'arrival, start and end pushed for each ride');
    assert.ok(alive(0) && alive(1), 'both replicas serve at the end');

    const ofRides = (m: { body: { context: Record<string, unknown> } }) => ids.includes(String(m.body.context.transaction_id));
    const refusals = net.bap.received.slice(refusedBefore).filter(ofRides).length - net.acked().slice(0).filter(ofRides).length + receivedBefore;
    console.log(
      `faults: replica SIGKILLed, ${RIDES} rides arrived with their on_status owed and ${CONFIRMS} confirms ACKed by it; ` +
        `outbox at the kill [${pendingAtKill.map((r) => `${r.status} ${r.n}`).join(', ')}], confirm inbox at the kill [${inboxAtKill.map((r) => `${r.status} ${r.n}`).join(', ')}]; ` +
        `the other replica delivered what was owed ${takenOverMs} ms after the kill; ${completed} rides completed after (ends split with the restarted replica); ` +
        `owed callbacks ${owed.length}, ACKed ${got.size}, lost ${lost.length}, repeated ${repeated.length}, refused deliveries retried ${Math.max(refusals, 0)}; crashes 0 unplanned; ${Math.round((Date.now() - started) / 1000)} s`,
    );
  });
});
