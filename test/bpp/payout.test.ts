import assert from 'node:assert/strict';
import { checkDuePayouts } from '../../src/bpp/payout/index.js';
import { PaymentGatewayError } from '../../src/payments/gateway/index.js';
import { trimDecimal } from '../../src/infra/postgres/index.js';
import { waitFor } from '../support/wait-until.js';
import { startPayoutRig, type PayoutRig } from './payout-rig.js';

const P = 'atlas_driver_offer_bpp';

describe('BPP driver payouts through the payment simulator', function () {
  this.timeout(240_000);
  let rig: PayoutRig;
  // Each ride of the suite starts from its own area, far enough (about 6.6 km) that no other test's driver is offered it.
  let area = 0;
  const nextPickup = () => ({ lat: 12.8 + 0.06 * area++, lon: 77.5 });

  before(async () => {
    rig = await startPayoutRig({ intervalMs: 200, reviewAfterMs: 10 * 60_000, maxGapMs: 500 });
  });
  after(async () => {
    await rig?.close();
  });

  const rows = <T extends object>(sql: string, bind: unknown[]) => rig.flow.rows<T>(sql, bind);
  const payoutStatus = async (id: string) => (await rows<{ status: string }>(`SELECT status FROM ${P}.payout_order WHERE id = $1`, [id]))[0]?.status;
  const settled = (id: string, status: string) =>
    waitFor(`payout ${id} ${status}`, async () => ((await payoutStatus(id)) === status ? true : undefined), { timeoutMs: 20_000, intervalMs: 50 });
  /** The sum of the rides' final fares, as Postgres adds them. */
  const fareSum = async (rideIds: string[]) =>
    trimDecimal((await rows<{ sum: string }>(`SELECT sum(final_fare)::text AS sum FROM ${P}.ride WHERE id = ANY($1::uuid[])`, [rideIds]))[0]!.sum);
  const run = async () => {
    const answer = await rig.operator('POST', '/provider/payouts/run');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body as { created: any[]; skipped: any[] };
  };
  /** How many payouts the gateway holds for a ride: each payout order holding it that the simulator knows. */
  const gatewayPayoutsOf = async (rideId: string) => {
    const holders = await rows<{ id: string }>(`SELECT id FROM ${P}.payout_order WHERE $1 = ANY(entity_ids)`, [rideId]);
    const known = await Promise.all(
      holders.map((holder) =>
        rig.gateway.payoutStatus(holder.id).then(
          (answer) => answer,
          (error: unknown) => {
            if (error instanceof PaymentGatewayError && error.httpStatus === 404) return undefined;
            throw error;
          },
        ),
      ),
    );
    return known.filter((answer) => answer !== undefined);
  };

  it('pays each driver’s ended rides in one payout, settled SUCCESS by the status check', async () => {
    const pickupA = nextPickup();
    const first = await rig.completedRide(pickupA);
    const second = await rig.completedRide(pickupA, first.driver);
    const other = await rig.completedRide(nextPickup());

    const { created } = await run();
    const ofA = created.filter((p) => p.driver_id === first.driver.id);
    const ofB = created.filter((p) => p.driver_id === other.driver.id);
    assert.equal(ofA.length, 1, 'one payout for the driver of two rides');
    assert.equal(ofB.length, 1);
    assert.deepEqual([...ofA[0].ride_ids].sort(), [first.rideId, second.rideId].sort());
    assert.deepEqual(ofB[0].ride_ids, [other.rideId]);
    assert.equal(trimDecimal(ofA[0].amount), await fareSum([first.rideId, second.rideId]));
    assert.equal(ofA[0].currency, 'INR');
    assert.equal(ofA[0].retried_order_id, null);

    for (const payout of [ofA[0], ofB[0]]) await settled(payout.id, 'SUCCESS');
    const [row] = await rows<{ entity_name: string; payout_service_order_id: string | null; last_status_checked_at: Date | null }>(
      `SELECT entity_name, payout_service_order_id, last_status_checked_at FROM ${P}.payout_order WHERE id = $1`,
      [ofA[0].id],
    );
    assert.equal(row?.entity_name, 'RIDE');
    assert.equal(row?.payout_service_order_id, ofA[0].id, 'the gateway keys the payout by our id');
    assert.ok(row?.last_status_checked_at, 'the status check is recorded');
    const atGateway = await rig.gateway.payoutStatus(ofA[0].id);
    assert.equal(atGateway.status, 'SUCCESS');
    assert.equal(trimDecimal(atGateway.amount), trimDecimal(ofA[0].amount));

    const again = await run();
    assert.equal(again.created.filter((p) => [first.driver.id, other.driver.id].includes(p.driver_id)).length, 0, 'paid rides are not paid again');
  });

  it('retries a failed payout in a new payout pointing at it, paying each ride once', async () => {
    const pickup = nextPickup();
    const ride1 = await rig.completedRide(pickup);
    const ride2 = await rig.completedRide(pickup, ride1.driver);
    rig.simulator.control.nextOutcome('payout', 'decline');

    const failed = (await run()).created.find((p) => p.driver_id === ride1.driver.id);
    assert.ok(failed);
    await settled(failed.id, 'FAILURE');

    const retry = (await run()).created.find((p) => p.driver_id === ride1.driver.id);
    assert.ok(retry, 'the failed payout’s rides are paid by the next run');
    assert.equal(retry.retried_order_id, failed.id);
    assert.deepEqual([...retry.ride_ids].sort(), [ride1.rideId, ride2.rideId].sort());
    await settled(retry.id, 'SUCCESS');

    for (const rideId of [ride1.rideId, ride2.rideId]) {
      const atGateway = await gatewayPayoutsOf(rideId);
      assert.deepEqual(atGateway.map((p) => p.status).sort(), ['FAILURE', 'SUCCESS'], 'one failed and one successful payout hold the ride');
      const [paid] = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM ${P}.payout_order WHERE $1 = ANY(entity_ids) AND status = 'SUCCESS'`, [rideId]);
      assert.equal(paid?.n, 1);
    }
  });

  it('lets two payout runs at once pay no ride twice', async () => {
    const pickup = nextPickup();
    const a1 = await rig.completedRide(pickup);
    const a2 = await rig.completedRide(pickup, a1.driver);
    const b1 = await rig.completedRide(nextPickup());
    const rideIds = [a1.rideId, a2.rideId, b1.rideId];

    const runs = await Promise.all([run(), run()]);
    const created = runs.flatMap((r) => r.created).filter((p) => p.ride_ids.some((id: string) => rideIds.includes(id)));
    assert.deepEqual(created.flatMap((p) => p.ride_ids).sort(), [...rideIds].sort(), 'each ride claimed by exactly one payout of the two runs');
    for (const payout of created) await settled(payout.id, 'SUCCESS');
    for (const rideId of rideIds) {
      const atGateway = await gatewayPayoutsOf(rideId);
      assert.equal(atGateway.length, 1, `ride ${rideId} reached the gateway in one payout`);
    }
    const [total] = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM ${P}.payout_order`, []);
    assert.equal(rig.simulator.control.stats().payouts, total?.n, 'every payout order reached the gateway once, and nothing else did');
  });

  it('shows the driver which rides are paid, in a payout and unpaid, with totals', async () => {
    const pickup = nextPickup();
    const paid = await rig.completedRide(pickup);
    const paidPayout = (await run()).created.find((p) => p.driver_id === paid.driver.id);
    await settled(paidPayout.id, 'SUCCESS');
    const pending = await rig.completedRide(pickup, paid.driver);
    rig.simulator.control.nextOutcome('payout', 'pending');
    const pendingPayout = (await run()).created.find((p) => p.driver_id === paid.driver.id);
    await settled(pendingPayout.id, 'PENDING');
    const unpaid = await rig.completedRide(pickup, paid.driver);

    const earnings = await rig.flow.call('GET', '/driver/earnings', undefined, paid.driver.token);
    assert.equal(earnings.status, 200, JSON.stringify(earnings.body));
    const stateOf = Object.fromEntries(earnings.body.rides.map((r: any) => [r.id, r.payout_state]));
    assert.deepEqual(stateOf, { [paid.rideId]: 'PAID', [pending.rideId]: 'IN_PAYOUT', [unpaid.rideId]: 'UNPAID' });
    const fareOf = Object.fromEntries(earnings.body.rides.map((r: any) => [r.id, r.fare]));
    assert.deepEqual(fareOf[paid.rideId], { value: await fareSum([paid.rideId]), currency: 'INR' });
    assert.deepEqual(earnings.body.totals, [
      {
        currency: 'INR',
        earned: await fareSum([paid.rideId, pending.rideId, unpaid.rideId]),
        paid: await fareSum([paid.rideId]),
        in_payout: await fareSum([pending.rideId]),
        unpaid: await fareSum([unpaid.rideId]),
        cash_collected: '0',
      },
    ]);
    assert.equal((await rig.flow.call('GET', '/driver/earnings', undefined, 'not-a-driver-token')).status, 401);

    rig.simulator.control.settlePayout(pendingPayout.id, 'FULFILLMENTS_SUCCESSFUL');
    await settled(pendingPayout.id, 'SUCCESS');
    const last = (await run()).created.find((p) => p.driver_id === paid.driver.id);
    await settled(last.id, 'SUCCESS');
    const after = await rig.flow.call('GET', '/driver/earnings', undefined, paid.driver.token);
    assert.equal(after.body.totals[0].paid, after.body.totals[0].earned);
    assert.equal(after.body.totals[0].unpaid, '0');
  });

  it('never pays out a ride its driver took in cash, and shows it as CASH_COLLECTED', async () => {
    const pickup = nextPickup();
    const cash = await rig.completedRide(pickup, undefined, { collected_by: 'BPP', type: 'ON-FULFILLMENT', status: 'NOT-PAID' });
    const card = await rig.completedRide(pickup, cash.driver);
    const payout = (await run()).created.find((p) => p.driver_id === cash.driver.id);
    assert.ok(payout, 'the driver is paid the ride the rider paid the platform for');
    const [held] = await rows<{ entity_ids: string[]; amount: string }>(`SELECT entity_ids, trim_scale(amount)::text AS amount FROM ${P}.payout_order WHERE id = $1`, [payout.id]);
    assert.deepEqual(held?.entity_ids, [card.rideId], 'only the ride not paid in cash');
    assert.equal(held?.amount, await fareSum([card.rideId]));
    await settled(payout.id, 'SUCCESS');
    assert.equal((await run()).created.find((p) => p.driver_id === cash.driver.id), undefined, 'the cash ride stays out of every later run');

    const earnings = await rig.flow.call('GET', '/driver/earnings', undefined, cash.driver.token);
    const stateOf = Object.fromEntries(earnings.body.rides.map((r: any) => [r.id, r.payout_state]));
    assert.deepEqual(stateOf, { [cash.rideId]: 'CASH_COLLECTED', [card.rideId]: 'PAID' });
    assert.equal(earnings.body.totals[0].cash_collected, await fareSum([cash.rideId]));
    assert.equal(earnings.body.totals[0].unpaid, '0');
  });

  it('gives a payout still unsettled past the bound to manual review, keeping its rides', async () => {
    const ride = await rig.completedRide(nextPickup());
    rig.simulator.control.nextOutcome('payout', 'pending');
    const payout = (await run()).created.find((p) => p.driver_id === ride.driver.id);
    await settled(payout.id, 'PENDING');

    await checkDuePayouts(rig.payouts, { intervalMs: 200, reviewAfterMs: 0, maxGapMs: 0 });
    assert.equal(await payoutStatus(payout.id), 'MANUAL_REVIEW');
    const again = await run();
    assert.equal(again.created.filter((p) => p.driver_id === ride.driver.id).length, 0, 'a payout under review keeps its rides');
    const earnings = await rig.flow.call('GET', '/driver/earnings', undefined, ride.driver.token);
    assert.equal(earnings.body.rides[0].payout_state, 'IN_PAYOUT');
  });

  it('lists payouts for the operator by status and driver, and refuses bad queries and callers', async () => {
    const ride = await rig.completedRide(nextPickup());
    rig.simulator.control.nextOutcome('payout', 'decline');
    const failed = (await run()).created.find((p) => p.driver_id === ride.driver.id);
    await settled(failed.id, 'FAILURE');
    const retry = (await run()).created.find((p) => p.driver_id === ride.driver.id);
    await settled(retry.id, 'SUCCESS');

    const ofDriver = await rig.operator('GET', `/provider/payouts?driverId=${ride.driver.id}`);
    assert.equal(ofDriver.status, 200, JSON.stringify(ofDriver.body));
    assert.deepEqual(ofDriver.body.payouts.map((p: any) => p.id), [retry.id, failed.id], 'newest first');
    const failedOnly = await rig.operator('GET', `/provider/payouts?driverId=${ride.driver.id}&status=FAILURE`);
    assert.deepEqual(failedOnly.body.payouts.map((p: any) => p.id), [failed.id]);
    const [listed] = failedOnly.body.payouts;
    assert.equal(listed.driver_id, ride.driver.id);
    assert.deepEqual(listed.entity_ids, [ride.rideId]);
    assert.equal(listed.amount.currency, 'INR');
    const successes = await rig.operator('GET', '/provider/payouts?status=SUCCESS&limit=200');
    assert.ok(successes.body.payouts.length > 1);
    assert.ok(successes.body.payouts.every((p: any) => p.status === 'SUCCESS'));
    assert.ok(successes.body.payouts.some((p: any) => p.id === retry.id));

    for (const query of ['status=PAID', 'driverId=not-a-uuid', 'limit=0', 'page=2']) {
      const refused = await rig.operator('GET', `/provider/payouts?${query}`);
      assert.equal(refused.status, 400, query);
      assert.equal(refused.body.error.code, 'VALIDATION_FAILED', query);
    }
    assert.equal((await rig.operator('GET', '/provider/payouts', { token: null })).status, 401);
    assert.equal((await rig.operator('POST', '/provider/payouts/run', { token: 'wrong' })).status, 401);
  });

  it('answers 503 on the payout routes when no payment gateway is configured', async () => {
    for (const [method, path] of [['GET', '/provider/payouts'], ['POST', '/provider/payouts/run']] as const) {
      const answer = await rig.operator(method, path, { configured: false });
      assert.equal(answer.status, 503);
      assert.equal(answer.body.error.message, 'payment gateway not configured');
    }
  });

  it('mounts the payout routes with the gateway of the composition root in the service itself', async () => {
    const response = await fetch(`${rig.flow.net.app.baseUrl}/provider/payouts`, {
      headers: { authorization: `Bearer ${rig.flow.net.app.ctx.config.secrets.adminToken}` },
    });
    assert.equal(response.status, 200, await response.clone().text());
    assert.ok(Array.isArray(((await response.json()) as { payouts?: unknown }).payouts));
  });

  it('documents the payout and earnings routes in the OpenAPI document', async () => {
    const response = await fetch(`${rig.flow.net.app.baseUrl}/openapi.json`);
    const document = (await response.json()) as { paths: Record<string, Record<string, any>> };
    assert.ok(document.paths['/provider/payouts']?.get);
    assert.ok(document.paths['/provider/payouts/run']?.post);
    assert.ok(document.paths['/driver/earnings']?.get);
    assert.ok(JSON.stringify(document.paths['/provider/payouts'].get).includes('driverId'), 'the list declares its query');
  });
});
