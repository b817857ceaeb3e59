import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { signatureHeader, type PaymentGateway, type WebhookAuth, type WebhookVerdict } from '../../src/payments/gateway/index.js';
import { waitUntil } from '../support/wait-until.js';
import { startGatewayRig, startWebhookReceiver, juspayAdapter, type GatewayRig } from './gateway-fixture.js';

type Receiver = Awaited<ReturnType<typeof startWebhookReceiver>>;

const basicAuth = { scheme: 'basic', username: 'juspay-hooks', password: 'correct-horse-battery' } satisfies WebhookAuth;
const hmacAuth = { scheme: 'hmac', secret: 'whsec_0f9e8d7c6b5a4f3e2d1c', toleranceSeconds: 300 } satisfies WebhookAuth;

function statusOf(verdict: WebhookVerdict): number {
  if (verdict.ok) return 200;
  return { forged: 401, stale: 401, replayed: 409, malformed: 400 }[verdict.reason];
}

/** The receiver answers with the adapter's verdict and keeps each verdict beside the delivery it judged. */
async function startRig(options: { auth: WebhookAuth; simulatorAuth?: WebhookAuth; simulatorClock?: () => number }) {
  const verdicts: WebhookVerdict[] = [];
  let gateway: PaymentGateway | undefined;
  const receiver = await startWebhookReceiver(async ({ headers, rawBody }) => {
    const verdict = await (gateway as PaymentGateway).verifyWebhook(headers, rawBody);
    verdicts.push(verdict);
    return statusOf(verdict);
  });
  const rig = await startGatewayRig({ webhookAuth: options.auth, simulatorWebhookAuth: options.simulatorAuth, webhookUrl: receiver.url, clock: options.simulatorClock });
  gateway = rig.gateway;
  return { rig, receiver, verdicts };
}

async function newOrder(rig: GatewayRig): Promise<string> {
  const orderId = `po-${randomUUID()}`;
  await rig.gateway.createOrder({ orderId, amount: '180.00', currency: 'INR', customer: { id: 'rider-1' }, returnUrl: 'http://127.0.0.1/back' });
  return orderId;
}

const reasons = (verdicts: WebhookVerdict[]) => verdicts.map((verdict) => (verdict.ok ? `ok ${verdict.event.eventName}` : verdict.reason));

for (const auth of [basicAuth, hmacAuth] as WebhookAuth[]) {
  describe(`payment gateway webhooks (${auth.scheme} scheme) from the simulator over HTTP`, () => {
    let rig: GatewayRig;
    let receiver: Receiver;
    let verdicts: WebhookVerdict[];

    beforeEach(async () => {
      ({ rig, receiver, verdicts } = await startRig({ auth }));
    });

    afterEach(async () => {
      await rig.close();
      await receiver.close();
    });

    it('a paid order is reported by a webhook that verifies, naming the order and CHARGED', async () => {
      const orderId = await newOrder(rig);
      rig.simulator.control.pay(orderId);
      await waitUntil('the webhook is judged', () => verdicts.length === 1);
      const [verdict] = verdicts;
      assert.ok(verdict?.ok);
      assert.deepEqual(verdict.event.subject, { kind: 'order', orderId, status: 'CHARGED' });
      assert.equal(verdict.event.eventName, 'ORDER_SUCCEEDED');
      assert.equal(JSON.parse(verdict.event.rawJson).content.order.order_id, orderId);
    });

    it('duplicate and out-of-order webhooks all authenticate; each event id is accepted once and its repeats refused as replayed', async () => {
      rig.simulator.control.nextOutcome('order', 'pending');
      const orderId = await newOrder(rig);
      rig.simulator.control.webhooks.hold();
      rig.simulator.control.pay(orderId);
      rig.simulator.control.settle(orderId, 'CHARGED');
      rig.simulator.control.webhooks.release({ newestFirst: true, duplicate: true });
      await waitUntil('four deliveries are judged', () => verdicts.length === 4);
      // The later status arrives first: the caller must not let PENDING_VBV undo CHARGED.
      assert.deepEqual(reasons(verdicts), ['ok ORDER_SUCCEEDED', 'replayed', 'ok TXN_CREATED', 'replayed']);
      assert.deepEqual(
        verdicts.flatMap((verdict) => (verdict.ok && verdict.event.subject.kind === 'order' ? [verdict.event.subject.status] : [])),
        ['CHARGED', 'PENDING_VBV'],
      );
      assert.deepEqual(receiver.received.map((delivery) => delivery.status), [200, 409, 200, 409]);

      const [charged] = rig.simulator.control.webhooks.events.slice(-1);
      rig.simulator.control.webhooks.redeliver(charged?.id as string);
      await waitUntil('the late redelivery is judged', () => verdicts.length === 5);
      assert.equal(verdicts[4]?.ok === false && verdicts[4].reason, 'replayed');
    });

    it('a webhook can arrive before the create call that made its order has answered', async () => {
      rig.simulator.control.holdNext('create order');
      const orderId = `po-${randomUUID()}`;
      let answered = false;
      const creating = rig.gateway
        .createOrder({ orderId, amount: '180.00', currency: 'INR', customer: { id: 'rider-1' }, returnUrl: 'http://127.0.0.1/back' })
        .finally(() => (answered = true));
      await waitUntil('the gateway holds the order', () => rig.simulator.control.stats().orders === 1);
      rig.simulator.control.pay(orderId);
      await waitUntil('the webhook is judged', () => verdicts.length === 1);
      assert.ok(verdicts[0]?.ok);
      assert.equal(answered, false);
      rig.simulator.control.releaseHeld();
      // The late answer still says NEW: the caller must not let it undo the CHARGED it already applied.
      assert.equal((await creating).status, 'NEW');
      assert.equal((await rig.gateway.createOrder({ orderId, amount: '180.00', currency: 'INR', customer: { id: 'rider-1' }, returnUrl: 'http://127.0.0.1/back' })).status, 'CHARGED');
    });

    it('payout webhooks verify and name the payout and its status', async () => {
      const payoutOrderId = `pay-${randomUUID()}`;
      await rig.gateway.createPayout({
        payoutOrderId,
        amount: '75.00',
        currency: 'INR',
        idempotencyKey: payoutOrderId,
        customer: { id: 'driver-1', name: 'Asha', vpa: 'asha@upi' },
      });
      await waitUntil('the payout webhook is judged', () => verdicts.length === 1);
      assert.ok(verdicts[0]?.ok);
      assert.deepEqual(verdicts[0].event.subject, { kind: 'payout', payoutOrderId, status: 'SUCCESS' });
    });

    it('an authentic body that is no event is refused as malformed', async () => {
      const orderId = await newOrder(rig);
      rig.simulator.control.pay(orderId);
      await waitUntil('the webhook arrives', () => receiver.received.length === 1);
      const genuine = receiver.received[0] as (typeof receiver.received)[number];
      if (auth.scheme === 'basic') {
        assert.deepEqual(await rig.gateway.verifyWebhook(genuine.headers, Buffer.from('{"hello":"world"}')), { ok: false, reason: 'malformed' });
      } else {
        // A signed scheme binds the body, so a changed body is forged rather than malformed.
        assert.deepEqual(await rig.gateway.verifyWebhook(genuine.headers, Buffer.from('{"hello":"world"}')), { ok: false, reason: 'forged' });
      }
    });
  });
}

describe('payment gateway webhooks: forged and stale deliveries', () => {
  const opened: Array<{ close(): Promise<void> }> = [];

  afterEach(async () => {
    for (const resource of opened.splice(0)) await resource.close();
  });

  const rigFor = async (options: Parameters<typeof startRig>[0]) => {
    const started = await startRig(options);
    opened.push(started.rig, started.receiver);
    return started;
  };

  it('Basic credentials with a wrong password are refused as forged, as are missing ones', async () => {
    const { rig, verdicts, receiver } = await rigFor({ auth: basicAuth, simulatorAuth: { ...basicAuth, password: 'correct-horse-battery!' } });
    const orderId = await newOrder(rig);
    rig.simulator.control.pay(orderId);
    await waitUntil('the webhook is judged', () => verdicts.length === 1);
    assert.deepEqual(verdicts[0], { ok: false, reason: 'forged' });
    assert.equal(receiver.received[0]?.status, 401);

    const body = rig.simulator.control.webhooks.events[0]?.rawBody as Buffer;
    assert.deepEqual(await rig.gateway.verifyWebhook({}, body), { ok: false, reason: 'forged' });
    const noPassword = `Basic ${Buffer.from(basicAuth.username).toString('base64')}`;
    assert.deepEqual(await rig.gateway.verifyWebhook({ authorization: noPassword }, body), { ok: false, reason: 'forged' });
  });

  it('a forged refusal does not burn the event id: the genuine delivery is still accepted', async () => {
    const { rig, verdicts } = await rigFor({ auth: basicAuth });
    rig.simulator.control.webhooks.hold();
    const orderId = await newOrder(rig);
    rig.simulator.control.pay(orderId);
    const event = rig.simulator.control.webhooks.events[0];
    assert.ok(event);
    assert.deepEqual(await rig.gateway.verifyWebhook({ authorization: 'Basic bm9ib2R5Og==' }, event.rawBody), { ok: false, reason: 'forged' });
    rig.simulator.control.webhooks.release();
    await waitUntil('the genuine webhook is judged', () => verdicts.length === 1);
    assert.ok(verdicts[0]?.ok);
  });

  it('without a SeenEvents port the verifier leaves replays to the caller, which records ids in its own transaction', async () => {
    const { rig, receiver } = await rigFor({ auth: hmacAuth });
    const orderId = await newOrder(rig);
    rig.simulator.control.pay(orderId);
    await waitUntil('the webhook arrives', () => receiver.received.length === 1);
    const delivery = receiver.received[0] as (typeof receiver.received)[number];
    const verifying = juspayAdapter(rig.simulator.url, { webhookAuth: hmacAuth, seenEvents: undefined });
    const first = await verifying.verifyWebhook(delivery.headers, delivery.rawBody);
    const again = await verifying.verifyWebhook(delivery.headers, delivery.rawBody);
    assert.ok(first.ok && again.ok);
    assert.equal(again.event.eventId, first.event.eventId);
  });

  it('a signature made with another secret, or over another body, is refused as forged', async () => {
    const { rig, verdicts, receiver } = await rigFor({ auth: hmacAuth, simulatorAuth: { ...hmacAuth, secret: 'whsec_not_the_one' } });
    const orderId = await newOrder(rig);
    rig.simulator.control.pay(orderId);
    await waitUntil('the webhook is judged', () => verdicts.length === 1);
    assert.deepEqual(verdicts[0], { ok: false, reason: 'forged' });
    assert.equal(receiver.received[0]?.status, 401);

    const honest = await rigFor({ auth: hmacAuth });
    const otherOrder = await newOrder(honest.rig);
    honest.rig.simulator.control.pay(otherOrder);
    await waitUntil('the honest webhook arrives', () => honest.receiver.received.length === 1);
    const delivery = honest.receiver.received[0] as (typeof honest.receiver.received)[number];
    const tampered = Buffer.from(delivery.rawBody.toString('utf8').replace('"CHARGED"', '"AUTO_REFUNDED"'));
    assert.deepEqual(await honest.rig.gateway.verifyWebhook(delivery.headers, tampered), { ok: false, reason: 'forged' });
    assert.deepEqual(await honest.rig.gateway.verifyWebhook({ [signatureHeader]: 't=1,v1=abc' }, delivery.rawBody), { ok: false, reason: 'forged' });
  });

  it('a signature timestamped outside the tolerance window is refused as stale, by either clock', async () => {
    // The gateway's clock runs six minutes behind ours: every delivery is older than the 300 s window.
    const { rig, verdicts } = await rigFor({ auth: hmacAuth, simulatorClock: () => Date.now() - 360_000 });
    const orderId = await newOrder(rig);
    rig.simulator.control.pay(orderId);
    await waitUntil('the webhook is judged', () => verdicts.length === 1);
    assert.deepEqual(verdicts[0], { ok: false, reason: 'stale' });

    const honest = await rigFor({ auth: hmacAuth });
    const otherOrder = await newOrder(honest.rig);
    honest.rig.simulator.control.pay(otherOrder);
    await waitUntil('the honest webhook arrives', () => honest.receiver.received.length === 1);
    const delivery = honest.receiver.received[0] as (typeof honest.receiver.received)[number];
    // The same delivery checked by a receiver whose clock reads 10 minutes later.
    const later = juspayAdapter(honest.rig.simulator.url, { webhookAuth: hmacAuth, clock: () => Date.now() + 600_000 });
    assert.deepEqual(await later.verifyWebhook(delivery.headers, delivery.rawBody), { ok: false, reason: 'stale' });
    const sameTime = juspayAdapter(honest.rig.simulator.url, { webhookAuth: hmacAuth });
    assert.ok((await sameTime.verifyWebhook(delivery.headers, delivery.rawBody)).ok);
  });
});
