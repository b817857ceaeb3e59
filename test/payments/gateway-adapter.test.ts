import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PaymentGatewayError, type CreateOrderRequest } from '../../src/payments/gateway/index.js';
import { waitUntil } from '../support/wait-until.js';
import { apiKey, capturedLogger, juspayAdapter, merchantId, startGatewayRig, type GatewayRig } from './gateway-fixture.js';

function orderRequest(amount = '250.00'): CreateOrderRequest {
  const orderId = `po-${randomUUID()}`;
  return {
    orderId,
    shortId: orderId.slice(3, 11),
    amount,
    currency: 'INR',
    customer: { id: `rider-${randomUUID()}`, phone: '9999912345' },
    returnUrl: 'http://127.0.0.1/rider/payment-return',
  };
}

async function rejection(promise: Promise<unknown>): Promise<PaymentGatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PaymentGatewayError, `expected a PaymentGatewayError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

async function chargedOrder(rig: GatewayRig, amount = '250.00'): Promise<string> {
  const { orderId } = await rig.gateway.createOrder(orderRequest(amount));
  rig.simulator.control.pay(orderId);
  return orderId;
}

describe('payment gateway: Juspay adapter against the simulator over HTTP', () => {
  let rig: GatewayRig;
  const errors: PaymentGatewayError[] = [];

  beforeEach(async () => {
    rig = await startGatewayRig();
  });

  afterEach(async () => {
    await rig.close();
    // No error and no log line of any test carries the API key or a client auth token.
    for (const error of errors.splice(0)) assert.ok(!error.message.includes(apiKey), error.message);
    assert.ok(!rig.logLines.some((line) => line.includes(apiKey)), 'a log line carries the API key');
  });

  const expectFailure = async (promise: Promise<unknown>) => {
    const error = await rejection(promise);
    errors.push(error);
    return error;
  };

  it('creates an order with a payment link and client token, and a paid order reads CHARGED with its transaction', async () => {
    const request = orderRequest('199.50');
    const created = await rig.gateway.createOrder(request);
    assert.equal(created.status, 'NEW');
    assert.match(created.gatewayOrderId, /^ordeh_/);
    assert.ok(created.paymentLinks.web?.startsWith(rig.simulator.url));
    assert.ok(created.clientAuthToken.length > 10);
    assert.ok(!Number.isNaN(Date.parse(created.clientAuthTokenExpiry)));
    assert.ok(!rig.logLines.some((line) => line.includes(created.clientAuthToken)), 'a log line carries the client auth token');

    assert.equal((await rig.gateway.orderStatus(request.orderId)).status, 'NEW');
    // The rider completes the payment page through its link.
    const page = await fetch(created.paymentLinks.web as string);
    assert.equal(page.status, 200);

    const status = await rig.gateway.orderStatus(request.orderId);
    assert.equal(status.status, 'CHARGED');
    assert.equal(status.amount, '199.50');
    assert.equal(status.currency, 'INR');
    assert.equal(status.gatewayOrderId, created.gatewayOrderId);
    assert.equal(status.txnId, `${merchantId}-${request.orderId}-1`);
    assert.equal(status.paymentMethodType, 'UPI');
    assert.equal(JSON.parse(status.rawJson).status, 'CHARGED');
  });

  it('a repeated create with the same order id returns the same gateway order', async () => {
    const request = orderRequest();
    const first = await rig.gateway.createOrder(request);
    const again = await rig.gateway.createOrder(request);
    assert.equal(again.gatewayOrderId, first.gatewayOrderId);
    assert.equal(rig.simulator.control.stats().orders, 1);
  });

  it('a declined payment reads AUTHORIZATION_FAILED with the bank error, and a retried payment charges it', async () => {
    rig.simulator.control.nextOutcome('order', 'decline');
    const { orderId } = await rig.gateway.createOrder(orderRequest());
    rig.simulator.control.pay(orderId);
    const declined = await rig.gateway.orderStatus(orderId);
    assert.equal(declined.status, 'AUTHORIZATION_FAILED');
    assert.equal(declined.bankErrorCode, 'NOT_SUFFICIENT_FUNDS');
    assert.ok(declined.bankErrorMessage);

    rig.simulator.control.pay(orderId, 'succeed');
    const charged = await rig.gateway.orderStatus(orderId);
    assert.equal(charged.status, 'CHARGED');
    assert.equal(charged.txnId, `${merchantId}-${orderId}-2`);
    assert.equal(charged.bankErrorCode, undefined);
  });

  it('a pending payment reads PENDING_VBV until the gateway settles it', async () => {
    rig.simulator.control.nextOutcome('order', 'pending');
    const { orderId } = await rig.gateway.createOrder(orderRequest());
    rig.simulator.control.pay(orderId);
    assert.equal((await rig.gateway.orderStatus(orderId)).status, 'PENDING_VBV');
    rig.simulator.control.settle(orderId, 'CHARGED');
    assert.equal((await rig.gateway.orderStatus(orderId)).status, 'CHARGED');
  });

  it('a status read past the timeout fails as a typed timeout, and reading again succeeds', async () => {
    const short = juspayAdapter(rig.simulator.url, { timeoutMs: 150, retries: 0 });
    const orderId = await chargedOrder(rig);
    rig.simulator.control.holdNext('order status');
    const error = await expectFailure(short.orderStatus(orderId));
    assert.equal(error.kind, 'timeout');
    assert.ok(error.retryable);
    assert.equal((await short.orderStatus(orderId)).status, 'CHARGED');
  });

  it('an adapter with retries reads through a timed-out attempt', async () => {
    const retrying = juspayAdapter(rig.simulator.url, { timeoutMs: 150, retries: 2, backoffMs: 1 });
    const orderId = await chargedOrder(rig);
    rig.simulator.control.holdNext('order status');
    assert.equal((await retrying.orderStatus(orderId)).status, 'CHARGED');
  });

  it('a gateway 5xx fails as unavailable with its status, and an adapter with retries gets through it', async () => {
    const orderId = await chargedOrder(rig);
    rig.simulator.control.failNext('order status', 503);
    const error = await expectFailure(rig.gateway.orderStatus(orderId));
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.httpStatus, 503);
    assert.equal(error.gatewayErrorCode, 'internal_error');

    rig.simulator.control.failNext('order status', 502, 2);
    assert.equal((await juspayAdapter(rig.simulator.url, { retries: 2 }).orderStatus(orderId)).status, 'CHARGED');
  });

  it('a payout create retried through a lost answer and a 5xx pays once', async () => {
    const payoutOrderId = `pay-${randomUUID()}`;
    rig.simulator.control.holdNext('create payout');
    rig.simulator.control.failNext('create payout', 500);
    const retrying = juspayAdapter(rig.simulator.url, { timeoutMs: 150, retries: 2 });
    const payout = await retrying.createPayout({
      payoutOrderId,
      amount: '410.00',
      currency: 'INR',
      idempotencyKey: `payout-${payoutOrderId}`,
      customer: { id: 'driver-7', name: 'Meena', vpa: 'meena@upi' },
    });
    assert.equal(payout.payoutOrderId, payoutOrderId);
    assert.equal(rig.simulator.control.stats().payouts, 1);
  });

  it('a refund sent twice with the same refund id refunds once, and settles to SUCCESS', async () => {
    const orderId = await chargedOrder(rig, '300.00');
    const refundId = `rf-${randomUUID()}`;
    const first = await rig.gateway.refund({ orderId, refundId, amount: '120.00' });
    const again = await rig.gateway.refund({ orderId, refundId, amount: '120.00' });
    assert.equal(first.refundId, refundId);
    assert.equal(again.gatewayRefundId, first.gatewayRefundId);
    assert.equal(rig.simulator.control.stats().refunds, 1);
    assert.equal((await rig.gateway.orderStatus(orderId)).refunds.length, 1);
    await waitUntil('the refund settles', async () => (await rig.gateway.refundStatus(orderId, refundId)).status === 'SUCCESS');
  });

  it('a refund whose answer was lost is retried with the same id and refunds once', async () => {
    const retrying = juspayAdapter(rig.simulator.url, { timeoutMs: 150, retries: 1, backoffMs: 1 });
    const orderId = await chargedOrder(rig);
    rig.simulator.control.holdNext('refund');
    const refund = await retrying.refund({ orderId, refundId: `rf-${randomUUID()}`, amount: '50.00' });
    assert.equal(refund.amount, '50.00');
    assert.equal(rig.simulator.control.stats().refunds, 1);
  });

  it('refunds beyond the charged amount, in sum, are refused with the gateway error code', async () => {
    const orderId = await chargedOrder(rig, '100.00');
    const above = await expectFailure(rig.gateway.refund({ orderId, refundId: `rf-${randomUUID()}`, amount: '100.01' }));
    assert.equal(above.kind, 'rejected');
    assert.equal(above.httpStatus, 400);
    assert.equal(above.gatewayErrorCode, 'refund_amount_exceeds_order_amount');
    assert.ok(!above.retryable);

    await rig.gateway.refund({ orderId, refundId: `rf-${randomUUID()}`, amount: '60.00' });
    const second = await expectFailure(rig.gateway.refund({ orderId, refundId: `rf-${randomUUID()}`, amount: '40.01' }));
    assert.equal(second.gatewayErrorCode, 'refund_amount_exceeds_order_amount');
    const last = await rig.gateway.refund({ orderId, refundId: `rf-${randomUUID()}`, amount: '40.00' });
    assert.equal(last.status, 'PENDING');
    assert.equal(rig.simulator.control.stats().refunds, 2);
  });

  it('a refund of an unpaid order is refused', async () => {
    const { orderId } = await rig.gateway.createOrder(orderRequest());
    const error = await expectFailure(rig.gateway.refund({ orderId, refundId: `rf-${randomUUID()}`, amount: '1.00' }));
    assert.equal(error.gatewayErrorCode, 'order_not_charged');
  });

  it('a payout is created once per idempotency key and read until it succeeds; a failed one reads FAILURE', async () => {
    const payoutOrderId = `pay-${randomUUID()}`;
    const request = {
      payoutOrderId,
      amount: '845.25',
      currency: 'INR',
      idempotencyKey: `payout-${payoutOrderId}`,
      customer: { id: `driver-${randomUUID()}`, name: 'Ravi Kumar', vpa: 'ravi@upi', phone: '9999900000' },
    };
    const first = await rig.gateway.createPayout(request);
    const again = await rig.gateway.createPayout(request);
    assert.equal(first.status, 'INITIATED');
    assert.equal(again.rawJson, first.rawJson);
    assert.equal(first.amount, '845.25');
    assert.equal(rig.simulator.control.stats().payouts, 1);
    await waitUntil('the payout succeeds', async () => (await rig.gateway.payoutStatus(payoutOrderId)).status === 'SUCCESS');

    const reused = await expectFailure(rig.gateway.createPayout({ ...request, amount: '1.00' }));
    assert.equal(reused.gatewayErrorCode, 'idempotency_key_reused');

    rig.simulator.control.nextOutcome('payout', 'decline');
    const failingId = `pay-${randomUUID()}`;
    await rig.gateway.createPayout({ ...request, payoutOrderId: failingId, idempotencyKey: `payout-${failingId}` });
    await waitUntil('the payout fails', async () => (await rig.gateway.payoutStatus(failingId)).status === 'FAILURE');
    assert.equal((await rig.gateway.payoutStatus(failingId)).gatewayStatus, 'FULFILLMENTS_FAILURE');
  });

  it('a wrong API key fails as unauthorized, and no error names the key', async () => {
    const wrongKey = 'wrong_key_0b1c2d3e4f5a6b7c';
    const { logger, lines } = capturedLogger();
    const impostor = juspayAdapter(rig.simulator.url, { apiKey: wrongKey, logger, retries: 2, backoffMs: 1 });
    const error = await expectFailure(impostor.orderStatus('po-anything'));
    assert.equal(error.kind, 'unauthorized');
    assert.equal(error.httpStatus, 401);
    assert.ok(!error.message.includes(wrongKey) && !JSON.stringify(error).includes(wrongKey));
    assert.ok(!lines.some((line) => line.includes(wrongKey)));

    const wrongMerchant = juspayAdapter(rig.simulator.url, { merchantId: 'someone-else', logger });
    assert.equal((await expectFailure(wrongMerchant.createOrder(orderRequest()))).kind, 'unauthorized');
  });

  it('an unreachable gateway fails as unreachable without naming the key', async () => {
    const stopped = await startGatewayRig();
    await stopped.close();
    const error = await expectFailure(juspayAdapter(stopped.simulator.url, { retries: 1 }).orderStatus('po-anything'));
    assert.equal(error.kind, 'unreachable');
  });

  it('refuses float-like amounts before calling the gateway', async () => {
    await assert.rejects(rig.gateway.createOrder(orderRequest('10.005')), RangeError);
    assert.equal(rig.simulator.control.stats().orders, 0);
  });
});
