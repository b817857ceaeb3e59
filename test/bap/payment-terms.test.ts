import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agreedPaymentTerms, providerPaymentTermsOf, providerSettlementTag } from '../../src/bpp/booking/booking-order.js';
import { searchPaymentTerms } from '../../src/bpp/search/search-catalog.js';
import { loadConfig, type RawEnv } from '../../src/config/index.js';
import { loadExamples, restamp } from '../support/beckn-examples.js';
import type { ReceivedMessage } from '../support/fake-participant.js';
import { testSecrets } from '../support/test-app.js';
import { waitFor } from '../support/wait-until.js';
import { startBookingFlow, type BookingFlow } from '../bpp/booking-flow.js';

const dataDir = () => mkdtempSync(join(tmpdir(), 'beckn-ride-test-'));
const withDatabase = (extra: RawEnv = {}): RawEnv => ({ DATA_DIR: dataDir(), DATABASE_URL: 'postgres://postgres@db.test/app', ...testSecrets(), ...extra });

/** Settings other than every default, so a tag carrying a default would be caught. */
const configured: RawEnv = {
  BAP_BUYER_FINDER_FEES_PERCENTAGE: '2.5',
  SETTLEMENT_WINDOW: 'P1D',
  SETTLEMENT_BASIS: 'INVOICE_RECEIPT',
  SETTLEMENT_TYPE: 'NEFT',
  SETTLEMENT_MANDATORY_ARBITRATION: 'false',
  SETTLEMENT_COURT_JURISDICTION: 'Mysuru',
  SETTLEMENT_DELAY_INTEREST: '4.5',
  SETTLEMENT_STATIC_TERMS_URL: 'https://cabs.example/terms/settlement.txt',
};

/**
 * The tags our BAP must send with `configured`, in the shape of the ONDC:TRV10 2.0.1 search and init examples,
 * with every entry its attribute lists mark mandatory: the amounts are 0 in a search (no fare yet) and follow the fare after.
 */
const tagsWith = (finderFee: string, settlement: string) => [
  {
    descriptor: { code: 'BUYER_FINDER_FEES' },
    display: false,
    list: [
      { descriptor: { code: 'BUYER_FINDER_FEES_TYPE' }, value: 'percent' },
      { descriptor: { code: 'BUYER_FINDER_FEES_PERCENTAGE' }, value: '2.5' },
      { descriptor: { code: 'BUYER_FINDER_FEES_AMOUNT' }, value: finderFee },
    ],
  },
  {
    descriptor: { code: 'SETTLEMENT_TERMS' },
    display: false,
    list: [
      { descriptor: { code: 'SETTLEMENT_WINDOW' }, value: 'P1D' },
      { descriptor: { code: 'SETTLEMENT_BASIS' }, value: 'INVOICE_RECEIPT' },
      { descriptor: { code: 'SETTLEMENT_TYPE' }, value: 'NEFT' },
      { descriptor: { code: 'MANDATORY_ARBITRATION' }, value: 'false' },
      { descriptor: { code: 'COURT_JURISDICTION' }, value: 'Mysuru' },
      { descriptor: { code: 'DELAY_INTEREST' }, value: '4.5' },
      { descriptor: { code: 'STATIC_TERMS' }, value: 'https://cabs.example/terms/settlement.txt' },
      { descriptor: { code: 'SETTLEMENT_AMOUNT' }, value: settlement },
    ],
  },
];
const configuredTags = tagsWith('0', '0');

const valueOf = (tags: any[], group: string, code: string) =>
  tags.find((t) => t.descriptor.code === group)?.list.find((e: any) => e.descriptor.code === code)?.value;

describe('payment terms settings', () => {
  it('default to a 1 percent finder fee and the operator\'s terms: PT60M, DELIVERY, UPI, arbitration, its city\'s court, no delay interest, terms under the public URL', () => {
    const { paymentTerms } = loadConfig(withDatabase({ PUBLIC_URL: 'https://ride.example/' })).config;
    assert.deepEqual(paymentTerms, {
      buyerFinderFeePercentage: '1',
      settlement: {
        window: 'PT60M',
        basis: 'DELIVERY',
        type: 'UPI',
        mandatoryArbitration: true,
        courtJurisdiction: 'Bengaluru',
        delayInterest: '0',
        staticTerms: 'https://ride.example/static-terms.txt',
      },
      providerAccount: null,
      riderAccount: null,
    });
    assert.equal(loadConfig(withDatabase({ BAP_CITY_CODE: 'std:011' })).config.paymentTerms.settlement.courtJurisdiction, 'New Delhi');
  });

  it('take every value from the environment, and the provider\'s settlement account', () => {
    const { paymentTerms } = loadConfig(
      withDatabase({ ...configured, BPP_SETTLEMENT_BANK_CODE: 'HDFC0001234', BPP_SETTLEMENT_BANK_ACCOUNT_NUMBER: '50100123456789', BPP_SETTLEMENT_VPA: 'bookingcabs@okhdfc' }),
    ).config;
    assert.equal(paymentTerms.buyerFinderFeePercentage, '2.5');
    assert.deepEqual(paymentTerms.settlement, {
      window: 'P1D',
      basis: 'INVOICE_RECEIPT',
      type: 'NEFT',
      mandatoryArbitration: false,
      courtJurisdiction: 'Mysuru',
      delayInterest: '4.5',
      staticTerms: 'https://cabs.example/terms/settlement.txt',
    });
    assert.deepEqual(paymentTerms.providerAccount, { bankCode: 'HDFC0001234', bankAccountNumber: '50100123456789', virtualPaymentAddress: 'bookingcabs@okhdfc' });
  });

  it('refuse a bad value, naming the variable and what is wrong', () => {
    const refused: [RawEnv, RegExp][] = [
      [{ SETTLEMENT_WINDOW: '60 minutes' }, /SETTLEMENT_WINDOW must be an ISO-8601 duration such as PT60M or P1D \(got "60 minutes"\)/],
      [{ SETTLEMENT_WINDOW: 'PT2D' }, /SETTLEMENT_WINDOW must be an ISO-8601 duration/],
      [{ BAP_BUYER_FINDER_FEES_PERCENTAGE: '-1' }, /BAP_BUYER_FINDER_FEES_PERCENTAGE must be >= 0 \(got "-1"\)/],
      [{ BAP_BUYER_FINDER_FEES_PERCENTAGE: 'one' }, /BAP_BUYER_FINDER_FEES_PERCENTAGE must be number/],
      [{ SETTLEMENT_DELAY_INTEREST: '101' }, /SETTLEMENT_DELAY_INTEREST must be <= 100/],
      [{ SETTLEMENT_TYPE: 'CASH' }, /SETTLEMENT_TYPE must be equal to one of the allowed values/],
      [{ SETTLEMENT_STATIC_TERMS_URL: 'terms.txt' }, /SETTLEMENT_STATIC_TERMS_URL must match pattern/],
      [{ BPP_SETTLEMENT_BANK_CODE: 'HDFC0001234' }, /BPP_SETTLEMENT_BANK_CODE and BPP_SETTLEMENT_BANK_ACCOUNT_NUMBER are set together/],
      [{ BPP_SETTLEMENT_BANK_CODE: 'hdfc1234', BPP_SETTLEMENT_BANK_ACCOUNT_NUMBER: '50100123456789' }, /BPP_SETTLEMENT_BANK_CODE must match pattern/],
      [{ BAP_CITY_CODE: 'std:0821' }, /SETTLEMENT_COURT_JURISDICTION is required: BAP_CITY_CODE std:0821/],
    ];
    for (const [env, message] of refused) assert.throws(() => loadConfig(withDatabase(env)), message, JSON.stringify(env));
  });
});

describe('provider payment terms', () => {
  const terms = providerPaymentTermsOf(
    loadConfig(withDatabase({ PUBLIC_URL: 'https://provider.example', BPP_SETTLEMENT_BANK_CODE: 'HDFC0001234', BPP_SETTLEMENT_BANK_ACCOUNT_NUMBER: '50100123456789', BPP_SETTLEMENT_VPA: 'cabs@okhdfc' })).config,
  );
  const proposal = { collected_by: 'BPP', type: 'ON-FULFILLMENT', tags: configuredTags };

  it('in on_init keep the BAP\'s tags as agreed and add the provider\'s account as params when the BPP collects', () => {
    assert.deepEqual(agreedPaymentTerms(proposal, 'BPP', 'PA1', terms.account), {
      ...proposal,
      id: 'PA1',
      status: 'NOT-PAID',
      params: { bank_code: 'HDFC0001234', bank_account_number: '50100123456789', virtual_payment_address: 'cabs@okhdfc' },
    });
    // The rider side collects: its params (if any) stay, the provider adds none.
    const byBap = agreedPaymentTerms({ ...proposal, collected_by: 'BAP', params: { virtual_payment_address: 'rider-app@okaxis' } }, 'BAP', 'PA1', terms.account);
    assert.deepEqual(byBap.params, { virtual_payment_address: 'rider-app@okaxis' });
    assert.deepEqual(byBap.tags, configuredTags);
    assert.equal('params' in agreedPaymentTerms(proposal, 'BPP', 'PA1', null), false, 'no account configured: none named');
  });

  it('in on_search answer the fee asked with the provider\'s own settlement terms, never the BAP\'s STATIC_TERMS', () => {
    const offered = searchPaymentTerms({ collected_by: 'BAP', tags: configuredTags }, providerSettlementTag(terms.settlement)) as { collected_by: string; tags: any[] };
    assert.equal(offered.collected_by, 'BAP');
    assert.deepEqual(offered.tags[0], configuredTags[0]);
    assert.equal(valueOf(offered.tags, 'SETTLEMENT_TERMS', 'STATIC_TERMS'), 'https://provider.example/static-terms.txt');
    assert.equal(valueOf(offered.tags, 'SETTLEMENT_TERMS', 'SETTLEMENT_WINDOW'), 'PT60M');
    // Without provider terms given, the BAP's settlement terms come back without its STATIC_TERMS.
    const unconfigured = searchPaymentTerms({ collected_by: 'BAP', tags: configuredTags }, null) as { tags: any[] };
    assert.equal(valueOf(unconfigured.tags, 'SETTLEMENT_TERMS', 'STATIC_TERMS'), undefined);
    assert.equal(valueOf(unconfigured.tags, 'SETTLEMENT_TERMS', 'SETTLEMENT_WINDOW'), 'P1D');
    assert.deepEqual(searchPaymentTerms(undefined, null), { collected_by: 'BPP' });
  });
});

describe('BAP payment tags over Beckn: search and init carry BUYER_FINDER_FEES and SETTLEMENT_TERMS with the configured values', function () {
  this.timeout(180_000);
  let flow: BookingFlow;
  let token: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(flow.net.app.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const eventually = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => waitFor(what, probe, { timeoutMs: 30_000, intervalMs: 100 });
  const sentToFake = (action: string, transactionId: string) =>
    flow.net.bpp.waitFor((m) => m.action === action && m.body.context.transaction_id === transactionId, 15_000);
  const answer = (request: ReceivedMessage, action: string, marker: string, mutate: (body: any) => void = () => undefined) => {
    const example = loadExamples().find((e) => e.action === action && e.name.includes(marker));
    assert.ok(example, `the ONDC TRV10 ${action} example ${marker} is present`);
    const body = restamp(example, { ...request.body.context, action, bpp_id: flow.net.bpp.subscriberId, bpp_uri: flow.net.bpp.url, timestamp: new Date().toISOString() });
    mutate(body);
    return body;
  };
  const fromFakeBpp = (action: string, body: unknown) => flow.net.bpp.post(`${flow.net.ourBap.url}/${action}`, body);

  before(async () => {
    flow = await startBookingFlow({ env: configured });
    const created = await fetch(`${flow.net.app.baseUrl}/admin/riders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${flow.net.app.ctx.config.secrets.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Meera Iyer', mobile_number: `+9196${String(Date.now()).slice(-8)}` }),
    });
    assert.equal(created.status, 201);
    token = ((await created.json()) as { token: string }).token;
  });
  after(async () => {
    await flow?.close();
  });

  it('sends every tag in the search intent and in init (both ways of paying), valid for the schema, the amounts from the quoted fare', async () => {
    const started = await call('POST', '/rider/searches', { pickup: { lat: 12.92, lon: 77.62 }, drop: { lat: 12.95, lon: 77.58 } });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const { searchId, transactionId } = started.body;
    const searched = await sentToFake('search', transactionId);
    assert.deepEqual(flow.validator.validate('search', searched.body), []);
    assert.deepEqual((searched.body.message as any).intent.payment, { collected_by: 'BAP', tags: configuredTags });

    assert.equal((await fromFakeBpp('on_search', answer(searched, 'on_search', 'X16'))).status, 200);
    const auto = await eventually('the auto estimate', async () => {
      const view = await call('GET', `/rider/searches/${searchId}`);
      return (view.body.estimates as any[]).find((e) => e.bppId === flow.net.bpp.subscriberId && e.itemId === 'I1');
    });
    const answered = new Set<unknown>();
    // The quote (X17) is 146: a 2.5 percent fee is 3.65; the provider collecting owes it, the rider side collecting owes the rest.
    const amounts: Record<string, [string, string]> = { 'ON-FULFILLMENT': ['3.65', '3.65'], 'PRE-ORDER': ['3.65', '142.35'] };
    for (const [paymentType, collectedBy] of [['ON-FULFILLMENT', 'BPP'], ['PRE-ORDER', 'BAP']] as const) {
      const { quoteId } = (await call('POST', `/rider/estimates/${auto.id}/select`)).body;
      const select = await flow.net.bpp.waitFor((m) => m.action === 'select' && m.body.context.transaction_id === transactionId && !answered.has(m.body.context.message_id), 15_000);
      answered.add(select.body.context.message_id);
      assert.equal((await fromFakeBpp('on_select', answer(select, 'on_select', 'X17', (b) => (b.message.order.quote.ttl = 'PT300S')))).status, 200);
      await eventually('the received quote', async () => ((await call('GET', `/rider/searches/${searchId}/quotes`)).body.quotes as any[]).find((q) => q.id === quoteId && q.status === 'RECEIVED'));
      const booked = await call('POST', `/rider/quotes/${quoteId}/book`, { paymentType });
      assert.equal(booked.status, 202, JSON.stringify(booked.body));
      const init = await flow.net.bpp.waitFor((m) => m.action === 'init' && m.body.context.transaction_id === transactionId && (m.body.message as any).order.payments[0].type === paymentType, 15_000);
      assert.deepEqual(flow.validator.validate('init', init.body), []);
      const [finderFee, settlement] = amounts[paymentType] ?? [];
      assert.deepEqual((init.body.message as any).order.payments, [{ collected_by: collectedBy, type: paymentType, status: 'NOT-PAID', tags: tagsWith(finderFee ?? '', settlement ?? '') }]);
    }
  });

  it('books our BPP: its on_init keeps the BUYER_FINDER_FEES and settlement terms, and both sides store the payment on_init agreed', async () => {
    const pickup = { lat: 12.931, lon: 77.631 };
    const driver = await flow.addSedan({ lat: pickup.lat + 0.001, lon: pickup.lon + 0.001 });
    const started = await call('POST', '/rider/searches', { pickup, drop: { lat: 12.97, lon: 77.59 } });
    const { searchId } = started.body;
    const estimate = await eventually('a sedan estimate from our BPP', async () => {
      const view = await call('GET', `/rider/searches/${searchId}`);
      return (view.body.estimates as any[]).find((e) => e.bppId === flow.net.ourBpp.id && e.vehicle.variant === 'SEDAN');
    });
    const { quoteId } = (await call('POST', `/rider/estimates/${estimate.id}/select`)).body;
    const offer = await eventually('the ride offer', async () => (await flow.call('GET', '/driver/ride-offers', undefined, driver.token)).body.offers[0] as { id: string } | undefined);
    assert.equal((await flow.call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, driver.token)).status, 200);
    await eventually('the received quote', async () => ((await call('GET', `/rider/searches/${searchId}/quotes`)).body.quotes as any[]).find((q) => q.id === quoteId && q.status === 'RECEIVED'));
    const booked = await call('POST', `/rider/quotes/${quoteId}/book`);
    assert.equal(booked.status, 202, JSON.stringify(booked.body));
    const booking = await eventually('the confirmed booking', async () => {
      const view = (await call('GET', `/rider/bookings/${booked.body.bookingId}`)).body;
      return view.status === 'CONFIRMED' || view.status === 'FAILED' ? view : undefined;
    });
    assert.equal(booking.status, 'CONFIRMED', JSON.stringify(booking));

    const onInit = (await flow.net.records()).find((r) => r.direction === 'outbound' && r.role === 'bpp' && r.action === 'on_init' && r.transaction_id === started.body.transactionId);
    assert.ok(onInit, 'our BPP sent on_init');
    const agreed = JSON.parse(onInit.raw_body).message.order.payments[0];
    assert.equal(agreed.collected_by, 'BPP');
    assert.equal(agreed.type, 'ON-FULFILLMENT');
    const init = (await flow.net.records()).find((r) => r.direction === 'outbound' && r.role === 'bap' && r.action === 'init' && r.transaction_id === started.body.transactionId);
    assert.ok(init, 'our BAP sent init');
    const proposed = JSON.parse(init.raw_body).message.order.payments[0];
    const fee = valueOf(proposed.tags, 'BUYER_FINDER_FEES', 'BUYER_FINDER_FEES_AMOUNT');
    assert.equal(fee, (Math.round(Number(booking.fare.quoted) * 2.5) / 100).toFixed(2), `2.5 percent of the quoted ${booking.fare.quoted}`);
    assert.deepEqual(proposed.tags, tagsWith(fee, fee), 'the provider collects: the settlement is the finder fee');
    assert.deepEqual(agreed.tags, proposed.tags, 'the BUYER_FINDER_FEES and settlement terms the BAP proposed are agreed');
    assert.deepEqual(booking.paymentTerms, agreed, 'the rider side stores the payment on_init agreed');
    const [bppBooking] = await flow.rows<{ payment_terms: unknown }>('SELECT payment_terms FROM atlas_driver_offer_bpp.booking WHERE id = $1', [booking.bppOrderId]);
    assert.deepEqual(bppBooking?.payment_terms, agreed, 'the provider side stores it too');
  });
});
