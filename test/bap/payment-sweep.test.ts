import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { sweepExpiredPaymentWindows, sweepLostPaymentChecks } from '../../src/bap/payment/payment-sweep.js';
import { waitUntil } from '../support/wait-until.js';
import { startPaymentRig, type PaymentRig } from './payment-rig.js';

/**
 * What the payment sweep makes up for: a payment the gateway settled whose
 * webhook never came and whose status check was lost (here: the check is
 * far off, as after a crash between a commit and its scheduling), and a
 * booking whose payment window closed without its job.
 */
describe('Rider payment sweep: payments and payment windows nothing was watching', function () {
  this.timeout(60_000);
  let rig: PaymentRig;
  const webhookAuth = { scheme: 'basic' as const, username: 'gateway-hooks', password: randomBytes(18).toString('base64url') };

  before(async () => {
    // The status check after creation comes only in an hour: in this test nothing but the sweep asks the gateway.
    rig = await startPaymentRig(webhookAuth, { PAYMENT_STATUS_CHECK_BASE_DELAY_MS: '3600000' });
  });
  after(async () => {
    await rig?.close();
  });

  const deps = () => rig.app.ctx.bap;
  const statusOf = async (bookingId: string, token: string) => (await rig.call('GET', `/rider/bookings/${bookingId}/payment`, token)).body.status as string;

  it('checks an order the gateway charged while its webhook was lost, once it is past its latest check, and leaves a fresh one alone', async () => {
    const { token, bookingId } = await rig.riderWithBooking();
    rig.simulator.control.webhooks.hold();
    const created = await rig.call('POST', `/rider/bookings/${bookingId}/payment`, token);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    rig.simulator.control.pay(created.body.orderId);
    assert.equal(await statusOf(bookingId, token), 'NEW', 'the charge is known only to the gateway');

    // Its check lost, as after a crash between the commit and the scheduling.
    const checkId = `bap-payment-status-check:${created.body.orderId}:0`;
    assert.equal(await rig.app.ctx.bap.scheduler.cancel(checkId), true, 'the check of the creation was pending');
    await sweepLostPaymentChecks(deps());
    assert.equal(await rig.app.ctx.bap.scheduler.cancel(checkId), false, 'a fresh order is not the sweep’s: its check may still come');
    assert.equal(await statusOf(bookingId, token), 'NEW');

    // Past its latest possible check, the sweep schedules one, which reads CHARGED at the gateway.
    await rig.app.ctx.bap.sequelize.query(`UPDATE atlas_app.payment_order SET created_at = now() - interval '20 minutes' WHERE id = $1`, { bind: [created.body.orderId] });
    assert.ok((await sweepLostPaymentChecks(deps())) >= 1);
    await waitUntil('the swept order charged', async () => (await statusOf(bookingId, token)) === 'CHARGED', { timeoutMs: 15_000, intervalMs: 50 });
    const row2 = await rig.orderRow(bookingId);
    assert.equal(row2?.status_check_attempts, 1);
    rig.simulator.control.webhooks.release();
  });

  it('fails a booking still awaiting its payment past its window, cancelling its order', async () => {
    const { token, bookingId } = await rig.riderWithBooking();
    const { sequelize } = rig.app.ctx.bap;
    await sequelize.query(`UPDATE atlas_app.booking SET status = 'AWAITING_PAYMENT' WHERE id = $1`, { bind: [bookingId] });
    assert.equal((await rig.call('POST', `/rider/bookings/${bookingId}/payment`, token)).status, 201);
    await sweepExpiredPaymentWindows(deps());
    assert.equal((await rig.call('GET', `/rider/bookings/${bookingId}/payment`, token)).body.status, 'NEW', 'within its window the booking waits');

    await sequelize.query(`UPDATE atlas_app.booking SET updated_at = now() - interval '1 hour' WHERE id = $1`, { bind: [bookingId] });
    assert.ok((await sweepExpiredPaymentWindows(deps())) >= 1);
    const [booking] = await sequelize.query<{ status: string; error_code: string }>(`SELECT status, error_code FROM atlas_app.booking WHERE id = $1`, {
      bind: [bookingId],
      type: QueryTypes.SELECT,
    });
    assert.deepEqual(booking, { status: 'FAILED', error_code: 'PAYMENT_NOT_RECEIVED' });
    assert.equal(await statusOf(bookingId, token), 'CANCELLED');
  });
});
