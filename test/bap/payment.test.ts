import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { registerBap } from '../../src/bap/index.js';
import { signatureHeader, signatureHeaderValue } from '../../src/payments/gateway/webhook-signature.js';
import { riderBooking } from '../payments/payment-fixtures.js';
import { freePort, fullProfileEnv, startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor, waitUntil } from '../support/wait-until.js';
import { startPaymentRig, type PaymentRig } from './payment-rig.js';

const changesOf = (rig: PaymentRig, orderId: string) =>
  rig.logLines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'payment order status changed' && entry.paymentOrderId === orderId);

describe('Rider payment through the gateway (simulator over real HTTP, Basic-authenticated webhooks)', function () {
  this.timeout(60_000);
  let rig: PaymentRig;
  const webhookAuth = { scheme: 'basic' as const, username: 'gateway-hooks', password: randomBytes(18).toString('base64url') };

  before(async () => {
    rig = await startPaymentRig(webhookAuth);
  });
  after(async () => {
    await rig?.close();
  });

  const pay = async (bookingId: string, token: string) => {
    const created = await rig.call('POST', `/rider/bookings/${bookingId}/payment`, token);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body;
  };
  const statusOf = async (bookingId: string, token: string) => (await rig.call('GET', `/rider/bookings/${bookingId}/payment`, token)).body.status as string;
  const until = (bookingId: string, token: string, status: string) =>
    waitUntil(`the payment of ${bookingId} is ${status}`, async () => (await statusOf(bookingId, token)) === status, { timeoutMs: 15_000, intervalMs: 50 });

  it('creates the order once, hands the client token only in the first answer, and is CHARGED by the webhook of a completed payment', async () => {
    const { token, bookingId } = await rig.riderWithBooking();
    const first = await pay(bookingId, token);
    assert.equal(first.status, 'NEW');
    assert.deepEqual(first.amount, { value: '146', currency: 'INR' });
    assert.match(first.clientAuthToken, /^tkn_/);
    assert.match(first.paymentLinks.web, /\/pay\//);

    const again = await rig.call('POST', `/rider/bookings/${bookingId}/payment`, token);
    assert.equal(again.status, 200);
    assert.equal(again.body.orderId, first.orderId, 'a second call returns the same order');
    assert.equal(again.body.clientAuthToken, undefined, 'the token is shown once');

    // The rider completes the payment page the link points at.
    const page = await fetch(first.paymentLinks.web);
    assert.equal(page.status, 200);
    await until(bookingId, token, 'CHARGED');
    const shown = await rig.call('GET', `/rider/bookings/${bookingId}/payment`, token);
    assert.equal(shown.body.clientAuthToken, undefined);
    assert.deepEqual(shown.body.amount, { value: '146', currency: 'INR' });
    assert.ok(rig.logLines.every((line) => !line.includes(first.clientAuthToken)), 'the token reaches no log line');
  });

  it('answers 404 for the booking of another rider and changes nothing', async () => {
    const mine = await rig.riderWithBooking();
    const other = await rig.riderWithBooking();
    assert.equal((await rig.call('POST', `/rider/bookings/${other.bookingId}/payment`, mine.token)).status, 404);
    assert.equal((await rig.call('GET', `/rider/bookings/${other.bookingId}/payment`, mine.token)).status, 404);
    assert.equal(await rig.orderRow(other.bookingId), undefined);
  });

  it('applies duplicate webhooks of one payment once: the redelivery is answered 409', async () => {
    const { token, bookingId } = await rig.riderWithBooking();
    const { orderId } = await pay(bookingId, token);
    const webhooks = rig.simulator.control.webhooks;
    webhooks.hold();
    rig.simulator.control.pay(orderId);
    webhooks.release({ duplicate: true });
    await webhooks.idle();
    const event = webhooks.events.find((candidate) => candidate.rawBody.toString().includes(orderId));
    assert.ok(event);
    const deliveries = webhooks.deliveries.filter((delivery) => delivery.eventId === event.id).map((delivery) => delivery.status);
    assert.deepEqual(deliveries, [200, 409]);
    assert.equal(await statusOf(bookingId, token), 'CHARGED');
    assert.equal(changesOf(rig, orderId).length, 1, 'charged once');
  });

  it('takes a webhook that arrives before the create call returned', async () => {
    const { token, bookingId } = await rig.riderWithBooking();
    rig.simulator.control.holdNext('create order');
    let answered = false;
    const creating = rig.call('POST', `/rider/bookings/${bookingId}/payment`, token).finally(() => {
      answered = true;
    });
    const order = await waitFor('the payment order exists', () => rig.orderRow(bookingId), { timeoutMs: 10_000, intervalMs: 20 });
    // The gateway holds the order once the create call reached it, before its answer comes back.
    await waitFor('the gateway holds the order and the rider pays', () => {
      try {
        return rig.simulator.control.pay(order.id);
      } catch {
        return undefined;
      }
    });
    await waitUntil('the webhook charged the order', async () => (await rig.orderRow(bookingId))?.status === 'CHARGED', { timeoutMs: 10_000, intervalMs: 20 });
    assert.equal(answered, false, 'the create call is still waiting for the gateway');
    rig.simulator.control.releaseHeld();
    const created = await creating;
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.status, 'CHARGED');
    assert.ok(created.body.clientAuthToken);
  });

  it('takes a declined payment and the retry that succeeds', async () => {
    const { token, bookingId } = await rig.riderWithBooking();
    const { orderId } = await pay(bookingId, token);
    rig.simulator.control.pay(orderId, 'decline');
    await until(bookingId, token, 'AUTHORIZATION_FAILED');
    rig.simulator.control.pay(orderId, 'succeed');
    await until(bookingId, token, 'CHARGED');
  });

  it('refuses forged and replayed webhooks, logs each refusal and changes nothing', async () => {
    const { token, bookingId } = await rig.riderWithBooking();
    const { orderId } = await pay(bookingId, token);
    const body = JSON.stringify({ id: `evt_forged_${orderId}`, event_name: 'ORDER_SUCCEEDED', content: { order: { order_id: orderId, status: 'CHARGED' } } });
    const post = (authorization: string, payload = body) =>
      fetch(`${rig.app.baseUrl}/payments/webhook/juspay`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: payload });
    const forged = await post(`Basic ${Buffer.from(`${webhookAuth.username}:wrong-password`).toString('base64')}`);
    assert.equal(forged.status, 401);
    assert.equal(((await forged.json()) as any).error.code, 'UNAUTHORIZED');
    const malformed = await post(`Basic ${Buffer.from(`${webhookAuth.username}:${webhookAuth.password}`).toString('base64')}`, JSON.stringify({ hello: 'world' }));
    assert.equal(malformed.status, 400);
    assert.equal(await statusOf(bookingId, token), 'NEW', 'a forged CHARGED moved nothing');

    rig.simulator.control.pay(orderId, 'decline');
    await until(bookingId, token, 'AUTHORIZATION_FAILED');
    const event = rig.simulator.control.webhooks.events.find((candidate) => candidate.rawBody.toString().includes(orderId));
    assert.ok(event);
    rig.simulator.control.webhooks.redeliver(event.id);
    await rig.simulator.control.webhooks.idle();
    assert.equal(rig.simulator.control.webhooks.deliveries.at(-1)?.status, 409);
    assert.equal(await statusOf(bookingId, token), 'AUTHORIZATION_FAILED');
    const refusals = rig.logLines.map((line) => JSON.parse(line)).filter((entry) => typeof entry.msg === 'string' && entry.msg.startsWith('payment webhook refused'));
    assert.ok(refusals.some((entry) => entry.reason === 'forged'));
    assert.ok(refusals.some((entry) => entry.reason === 'malformed'));
    assert.ok(refusals.some((entry) => entry.eventId === event.id && entry.msg.endsWith('replayed')));
  });

  it('keeps the client token only encrypted and hashed in the raw row', async () => {
    const { token, bookingId } = await rig.riderWithBooking();
    const { clientAuthToken } = await pay(bookingId, token);
    const row = await rig.orderRow(bookingId);
    assert.ok(row);
    assert.ok(row.client_auth_token_encrypted && row.client_auth_token_hash);
    assert.ok(!JSON.stringify(row).includes(clientAuthToken), 'no column holds the token in clear');
    assert.equal(rig.app.ctx.bap.cipher.decrypt(row.client_auth_token_encrypted), clientAuthToken);
    assert.equal(row.client_auth_token_hash, rig.app.ctx.bap.cipher.hash(clientAuthToken));
  });
});

describe('Rider payment status checks and signed webhooks (simulator over real HTTP, HMAC)', function () {
  this.timeout(60_000);
  let rig: PaymentRig;
  const secret = randomBytes(32).toString('base64url');

  before(async () => {
    rig = await startPaymentRig({ scheme: 'hmac', secret }, { PAYMENT_STATUS_CHECK_BASE_DELAY_MS: '200', PAYMENT_STATUS_CHECK_MAX_ATTEMPTS: '5', SCHEDULER_POLL_INTERVAL_MS: '20' });
  });
  after(async () => {
    await rig?.close();
  });

  const pendingOrder = async () => {
    const { token, bookingId } = await rig.riderWithBooking();
    const created = await rig.call('POST', `/rider/bookings/${bookingId}/payment`, token);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    rig.simulator.control.pay(created.body.orderId, 'pending');
    await waitUntil('the webhook moved the order to PENDING_VBV', async () => (await rig.orderRow(bookingId))?.status === 'PENDING_VBV', { timeoutMs: 10_000, intervalMs: 20 });
    return { token, bookingId, orderId: created.body.orderId as string };
  };

  it('re-checks a pending payment at the gateway until it is charged, counting each check', async () => {
    const { bookingId, orderId } = await pendingOrder();
    await waitUntil('two status checks ran', async () => (await rig.orderRow(bookingId))?.status_check_attempts >= 2, { timeoutMs: 10_000, intervalMs: 20 });
    // The gateway settles it, but its webhook is lost: only a status check can tell.
    rig.simulator.control.webhooks.hold();
    rig.simulator.control.settle(orderId, 'CHARGED');
    const row = await waitFor('a status check found the charge', async () => {
      const current = await rig.orderRow(bookingId);
      return current?.status === 'CHARGED' ? current : undefined;
    }, { timeoutMs: 15_000, intervalMs: 20 });
    assert.ok(row.status_check_attempts >= 3);
    assert.ok(row.last_status_checked_at instanceof Date);
    rig.simulator.control.webhooks.release();
    await rig.simulator.control.webhooks.idle();
  });

  it('gives a payment still pending after the last check up to MANUAL_REVIEW', async () => {
    const { bookingId } = await pendingOrder();
    const row = await waitFor('the order went to manual review', async () => {
      const current = await rig.orderRow(bookingId);
      return current?.status === 'MANUAL_REVIEW' ? current : undefined;
    }, { timeoutMs: 20_000, intervalMs: 50 });
    assert.equal(row.status_check_attempts, 5);
  });

  it('refuses a stale or forged signature with 401 and changes nothing', async () => {
    const { token, bookingId } = await rig.riderWithBooking();
    const created = await rig.call('POST', `/rider/bookings/${bookingId}/payment`, token);
    const rawBody = Buffer.from(JSON.stringify({ id: `evt_old_${bookingId}`, event_name: 'ORDER_SUCCEEDED', content: { order: { order_id: created.body.orderId, status: 'CHARGED' } } }));
    const post = (signature: string) =>
      fetch(`${rig.app.baseUrl}/payments/webhook/juspay`, { method: 'POST', headers: { 'content-type': 'application/json', [signatureHeader]: signature }, body: rawBody });
    const stale = await post(signatureHeaderValue(secret, Math.floor(Date.now() / 1000) - 3600, rawBody));
    assert.equal(stale.status, 401);
    const forged = await post(signatureHeaderValue('not-the-secret-not-the-secret-00', Math.floor(Date.now() / 1000), rawBody));
    assert.equal(forged.status, 401);
    assert.equal((await rig.orderRow(bookingId))?.status, 'NEW');
    const reasons = rig.logLines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'payment webhook refused').map((entry) => entry.reason);
    assert.ok(reasons.includes('stale') && reasons.includes('forged'));
  });
});

describe('Rider payment with no gateway configured (the in-process simulator)', function () {
  this.timeout(60_000);
  let app: TestApp;

  before(async () => {
    app = await startTestApp(fullProfileEnv({ PORT: String(await freePort()) }), {}, undefined, (ctx) => registerBap(ctx, ctx.bap));
  });
  after(async () => {
    await app?.close();
  });

  it('pays through the simulator the process started, its webhook reaching the app', async () => {
    const { bookingId, personId } = await riderBooking(app.ctx.sequelize);
    const token = randomBytes(32).toString('base64url');
    await app.ctx.sequelize.query(`INSERT INTO atlas_app.rider_token (id, person_id, token_hash) VALUES ($1, $2, $3)`, {
      bind: [randomUUID(), personId, app.ctx.bap.cipher.hash(token)],
    });
    const call = async (method: string) => {
      const response = await fetch(`${app.baseUrl}/rider/bookings/${bookingId}/payment`, { method, headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as any };
    };
    const created = await call('POST');
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await fetch(created.body.paymentLinks.web)).status, 200);
    await waitUntil('the payment is CHARGED', async () => (await call('GET')).body.status === 'CHARGED', { timeoutMs: 15_000, intervalMs: 50 });
  });
});
