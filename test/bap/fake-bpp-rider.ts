import assert from 'node:assert/strict';
import { loadExamples, restamp } from '../support/beckn-examples.js';
import type { BecknHarness } from '../support/beckn-harness.js';
import type { ReceivedMessage } from '../support/fake-participant.js';
import { waitUntil } from '../support/wait-until.js';

/** A rider of our BAP booking with the harness's fake BPP, which ACKs every request and answers only when the test says so. */
export interface FakeBppRider {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Signs and posts a callback from the fake BPP to our BAP, built from the ONDC example `marker` answering `request`. */
  answer(request: ReceivedMessage, action: string, marker: string, mutate?: (body: any) => void): Promise<{ status: number; body: any }>;
  /** The request our BAP sent the fake BPP in this transaction. */
  sentToFake(action: string, transactionId: string): Promise<ReceivedMessage>;
  /** A search the fake BPP answered with its estimates (X16), and its auto estimate once our BAP shows it. */
  searched(pickup: { lat: number; lon: number }): Promise<{ searchId: string; transactionId: string; estimateId: string }>;
  /** That estimate selected and quoted (X17): the quote RECEIVED. */
  quoted(pickup: { lat: number; lon: number }): Promise<{ searchId: string; transactionId: string; quoteId: string }>;
  /** That quote booked: the booking INITIATING. */
  booked(pickup: { lat: number; lon: number }): Promise<{ transactionId: string; bookingId: string }>;
  /** That booking's init answered (X13): the booking CONFIRMING. */
  confirming(pickup: { lat: number; lon: number }): Promise<{ transactionId: string; bookingId: string }>;
}

const example = (action: string, marker: string) => {
  const found = loadExamples().find((e) => e.action === action && e.name.includes(marker));
  assert.ok(found, `the ONDC TRV10 ${action} example ${marker} is present`);
  return found;
};

/** Registers a rider through the operator API and returns the helpers that drive its bookings. */
export async function fakeBppRider(net: BecknHarness, name: string): Promise<FakeBppRider> {
  const request = async (method: string, path: string, bearer: string, body?: unknown) => {
    const response = await fetch(net.app.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const created = await request('POST', '/admin/riders', net.app.ctx.config.secrets.adminToken, { name, mobile_number: `+9198${String(Date.now()).slice(-8)}` });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const token = created.body.token as string;
  const call = (method: string, path: string, body?: unknown) => request(method, path, token, body);

  const answer = (sent: ReceivedMessage, action: string, marker: string, mutate: (body: any) => void = () => undefined) => {
    const body = restamp(example(action, marker), {
      ...sent.body.context,
      action,
      bpp_id: net.bpp.subscriberId,
      bpp_uri: net.bpp.url,
      timestamp: new Date().toISOString(),
    });
    mutate(body);
    return net.bpp.post(`${net.ourBap.url}/${action}`, body);
  };
  const sentToFake = (action: string, transactionId: string) => net.bpp.waitFor((m) => m.action === action && m.body.context.transaction_id === transactionId, 15_000);

  const searched = async (pickup: { lat: number; lon: number }) => {
    const started = await call('POST', '/rider/searches', { pickup, drop: { lat: 12.95, lon: 77.58 } });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const { searchId, transactionId } = started.body as { searchId: string; transactionId: string };
    assert.equal((await answer(await sentToFake('search', transactionId), 'on_search', 'X16')).status, 200);
    let estimateId = '';
    await waitUntil('our BAP shows the auto estimate', async () => {
      const view = await call('GET', `/rider/searches/${searchId}`);
      estimateId = (view.body.estimates as any[]).find((e) => e.bppId === net.bpp.subscriberId && e.itemId === 'I1')?.id ?? '';
      return estimateId !== '';
    });
    return { searchId, transactionId, estimateId };
  };
  const quoted = async (pickup: { lat: number; lon: number }) => {
    const { searchId, transactionId, estimateId } = await searched(pickup);
    const selected = await call('POST', `/rider/estimates/${estimateId}/select`);
    assert.equal(selected.status, 202, JSON.stringify(selected.body));
    const select = await sentToFake('select', transactionId);
    assert.equal((await answer(select, 'on_select', 'X17', (b) => (b.message.order.quote.ttl = 'PT300S'))).status, 200);
    return { searchId, transactionId, quoteId: selected.body.quoteId as string };
  };
  const booked = async (pickup: { lat: number; lon: number }) => {
    const { transactionId, quoteId } = await quoted(pickup);
    const book = await call('POST', `/rider/quotes/${quoteId}/book`);
    assert.equal(book.status, 202, JSON.stringify(book.body));
    return { transactionId, bookingId: book.body.bookingId as string };
  };
  const confirming = async (pickup: { lat: number; lon: number }) => {
    const { transactionId, bookingId } = await booked(pickup);
    assert.equal((await answer(await sentToFake('init', transactionId), 'on_init', 'X13')).status, 200);
    return { transactionId, bookingId };
  };
  return { call, answer, sentToFake, searched, quoted, booked, confirming };
}
