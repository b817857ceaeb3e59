import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import { loadExamples, restamp } from '../support/beckn-examples.js';
import { startFakeParticipant, type FakeParticipant, type ReceivedMessage } from '../support/fake-participant.js';
import { readEvents } from './rider-api.js';

const catalogExample = loadExamples().find((e) => e.action === 'on_search' && e.name.includes('X16'));

describe('BAP search: rider searches, estimates from on_search as they arrive', function () {
  this.timeout(120_000);
  let net: BecknHarness;
  let lateBpp: FakeParticipant;
  let token: string;
  let otherToken: string;
  let lastBody: unknown;

  const call = async (method: string, path: string, body?: unknown, bearer: string | null = token, headers: Record<string, string> = {}) => {
    const response = await fetch(net.app.baseUrl + path, {
      method,
      headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any, headers: response.headers };
  };
  const rider = async (name: string, mobile: string) => {
    const created = await call('POST', '/admin/riders', { name, mobile_number: mobile }, net.app.ctx.config.secrets.adminToken);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body as { id: string; token: string; mobile_number_masked: string };
  };
  const route = { pickup: { lat: 12.935, lon: 77.624 }, drop: { lat: 12.971, lon: 77.594 } };

  /** The search our gateway forwarded to `bpp` for the rider's transaction. */
  const forwarded = (bpp: FakeParticipant, transactionId: string) =>
    bpp.waitFor((m) => m.action === 'search' && m.body.context.transaction_id === transactionId, 15_000);

  const onSearchFrom = (bpp: FakeParticipant, search: ReceivedMessage, mutate: (body: any) => void = () => undefined) => {
    assert.ok(catalogExample, 'the ONDC TRV10 on_search example is present');
    const body = restamp(catalogExample, {
      ...search.body.context,
      action: 'on_search',
      bpp_id: bpp.subscriberId,
      bpp_uri: bpp.url,
      timestamp: new Date().toISOString(),
    });
    mutate(body);
    lastBody = body;
    return bpp.post(`${net.ourBap.url}/on_search`, body);
  };

  before(async () => {
    lateBpp = await startFakeParticipant('BPP', 'late-cabs');
    net = await startBecknHarness({ env: { BAP_SEARCH_TTL: 'PT6S' }, extraParticipants: [lateBpp] });
    token = (await rider('Asha Rao', `+9198${String(Date.now()).slice(-8)}`)).token;
    otherToken = (await rider('Vikram Shah', `+9197${String(Date.now()).slice(-8)}`)).token;
  });
  after(async () => {
    await net?.close();
    await lateBpp?.close();
  });

  it('registers riders with masked numbers; a number registers once; rider routes need a rider token', async () => {
    const mobile = `+9196${String(Date.now()).slice(-8)}`;
    const created = await rider('Meena Iyer', mobile);
    assert.equal(created.mobile_number_masked, `+91${'*'.repeat(mobile.length - 7)}${mobile.slice(-4)}`);
    const again = await call('POST', '/admin/riders', { name: 'Meena', mobile_number: mobile }, net.app.ctx.config.secrets.adminToken);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'CONFLICT');
    assert.equal((await call('POST', '/admin/riders', { name: 'x', mobile_number: mobile }, token)).status, 401);
    const [row] = await net.app.ctx.sequelize.query<{ mobile_number_encrypted: string }>('SELECT mobile_number_encrypted FROM atlas_app.person WHERE id = $1', {
      type: QueryTypes.SELECT,
      bind: [created.id],
    });
    assert.ok(row && !row.mobile_number_encrypted.includes(mobile.slice(-8)), 'stored encrypted');
    assert.equal((await call('POST', '/rider/searches', route, null)).status, 401);
    assert.equal((await call('POST', '/rider/searches', route, 'not-a-token')).status, 401);
  });

  it('refuses a malformed search with a JSON error and sends nothing', async () => {
    const before = lateBpp.received.length;
    const bad = await call('POST', '/rider/searches', { pickup: { lat: 100, lon: 77 }, drop: route.drop });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'VALIDATION_FAILED');
    assert.equal((await call('POST', '/rider/searches', { pickup: route.pickup })).status, 400);
    assert.equal(lateBpp.received.length, before);
  });

  it('sends the search through the gateway; on_search offers stream to the rider as estimates; late and bad answers are NACKed', async () => {
    const started = await call('POST', '/rider/searches', route);
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const { searchId, transactionId } = started.body;

    const events = readEvents(`${net.app.baseUrl}/rider/searches/${searchId}/events`, token);
    const search = await forwarded(net.bpp, transactionId);
    assert.ok(search.headers['x-gateway-authorization'], 'reached the BPP through our gateway');
    assert.equal((search.body.message as any).intent.fulfillment.stops[0].location.gps, '12.935000, 77.624000');

    // An item without a price is an invalid catalog: NACKed with 20006 and nothing is kept.
    const invalid = await onSearchFrom(lateBpp, await forwarded(lateBpp, transactionId), (body) => {
      delete body.message.catalog.providers[0].items[0].price;
      body.message.catalog.providers[0].items[0].price = { currency: 'INR' };
    });
    assert.equal(invalid.status, 400, JSON.stringify(invalid.body));
    assert.equal(invalid.body.error.code, '20006');

    const answered = await onSearchFrom(net.bpp, search);
    const answeredBody = lastBody;
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    const estimateEvent = await events.next((e) => e.event === 'estimate');
    assert.equal(estimateEvent.data.bppId, net.bpp.subscriberId);

    const view = await call('GET', `/rider/searches/${searchId}`);
    assert.equal(view.status, 200);
    assert.equal(view.body.status, 'SEARCHING');
    const catalog = catalogExample!.body.message.catalog.providers[0];
    assert.equal(view.body.estimates.length, catalog.items.length);
    const first = view.body.estimates.find((e: any) => e.itemId === catalog.items[0].id);
    const price = catalog.items[0].price;
    assert.deepEqual(first.fare, { value: price.value, min: price.minimum_value, max: price.maximum_value, currency: 'INR' });
    assert.equal(first.vehicle.category, catalog.fulfillments.find((f: any) => f.id === catalog.items[0].fulfillment_ids[0]).vehicle.category);

    // The same on_search again is a duplicate: ACKed, applied once.
    assert.equal((await net.bpp.post(`${net.ourBap.url}/on_search`, answeredBody)).status, 200);
    assert.equal((await call('GET', `/rider/searches/${searchId}`)).body.estimates.length, catalog.items.length);

    // Another rider cannot see it.
    assert.equal((await call('GET', `/rider/searches/${searchId}`, undefined, otherToken)).status, 404);
    assert.equal((await call('GET', `/rider/searches/${searchId}/events`, undefined, otherToken)).status, 404);

    // After the search window the stream ends, and a late answer is NACKed (20009) and not applied.
    await events.next((e) => e.event === 'end', 15_000);
    events.close();
    const lateSearch = lateBpp.received.find((m) => m.action === 'search' && m.body.context.transaction_id === transactionId)!;
    const late = await onSearchFrom(lateBpp, lateSearch, (body) => {
      body.context.timestamp = new Date().toISOString();
      body.message.catalog.providers[0].id = 'late-provider';
    });
    assert.equal(late.status, 400, JSON.stringify(late.body));
    assert.equal(late.body.error.code, '20009');
    const done = await call('GET', `/rider/searches/${searchId}`);
    assert.equal(done.body.status, 'DONE');
    assert.equal(done.body.estimates.length, catalog.items.length);
    const applied = await net.app.ctx.sequelize.query<{ action: string }>(
      `SELECT action FROM atlas_app.callback_record WHERE transaction_id = $1 AND bpp_id = $2 AND outcome = 'APPLIED'`,
      { type: QueryTypes.SELECT, bind: [transactionId, net.bpp.subscriberId] },
    );
    assert.equal(applied.filter((r) => r.action === 'on_search').length, 1, 'the repeated on_search was applied once');
  });

  it('an Idempotency-Key makes a retried search return the first result and search once', async () => {
    const key = `search-${Date.now()}`;
    const startedAt = new Date(Date.now() - 1_000);
    const first = await call('POST', '/rider/searches', route, token, { 'idempotency-key': key });
    const second = await call('POST', '/rider/searches', route, token, { 'idempotency-key': key });
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.deepEqual(second.body, first.body);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    const rows = await net.app.ctx.sequelize.query('SELECT id FROM atlas_app.search_request WHERE person_id = (SELECT person_id FROM atlas_app.search_request WHERE transaction_id = $1) AND created_at >= $2', {
      type: QueryTypes.SELECT,
      bind: [first.body.transactionId, startedAt],
    });
    assert.equal(rows.length, 1, 'one search for the two requests');
    const other = await call('POST', '/rider/searches', { pickup: route.drop, drop: route.pickup }, token, { 'idempotency-key': key });
    assert.equal(other.status, 409);
    assert.equal(other.body.error.code, 'CONFLICT');
    // Keys are per rider: another rider's same key is a different request.
    assert.equal((await call('POST', '/rider/searches', route, otherToken, { 'idempotency-key': key })).status, 201);
  });
});
