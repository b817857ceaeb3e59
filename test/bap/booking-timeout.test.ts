import assert from 'node:assert/strict';
import { ANSWER_GRACE_MS, ANSWER_TIMEOUT_JOB, createAnswerTimeoutJob } from '../../src/bap/booking/answer-timeout.js';
import { bookingChannel, searchChannel } from '../../src/bap/bap-deps.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import { loadExamples, restamp } from '../support/beckn-examples.js';
import type { ReceivedMessage } from '../support/fake-participant.js';
import { waitFor, waitUntil } from '../support/wait-until.js';

/** The ttl our BAP puts on select, init and confirm in this test: an unanswered request ends after it plus the grace. */
const TTL_MS = 2_000;
const GIVE_UP_MS = TTL_MS + ANSWER_GRACE_MS;

const example = (action: string, marker: string) => {
  const found = loadExamples().find((e) => e.action === action && e.name.includes(marker));
  assert.ok(found, `the ONDC TRV10 ${action} example ${marker} is present`);
  return found;
};

describe('BAP: a select, init or confirm the BPP acknowledged but never answered ends with TIMEOUT', function () {
  this.timeout(180_000);
  let net: BecknHarness;
  let token: string;

  const call = async (method: string, path: string, body?: unknown, bearer: string = token) => {
    const response = await fetch(net.app.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> =>
    waitFor(what, probe, { timeoutMs, intervalMs: 100 });
  const rows = async <T>(sql: string, bind: unknown[]) => (await net.app.ctx.sequelize.query(sql, { bind }))[0] as T[];
  /** Signs and posts a callback from the fake BPP to our BAP. */
  const fromFakeBpp = (action: string, body: unknown) => net.bpp.post(`${net.ourBap.url}/${action}`, body);
  const answer = (request: ReceivedMessage, action: string, marker: string, mutate: (body: any) => void = () => undefined) => {
    const body = restamp(example(action, marker), {
      ...request.body.context,
      action,
      bpp_id: net.bpp.subscriberId,
      bpp_uri: net.bpp.url,
      timestamp: new Date().toISOString(),
    });
    mutate(body);
    return body;
  };
  /** The request our BAP sent the fake BPP (which ACKs everything) in this transaction. */
  const sentToFake = (action: string, transactionId: string) => net.bpp.waitFor((m) => m.action === action && m.body.context.transaction_id === transactionId, 15_000);
  /** The announcements on a channel from now on: what wakes the rider's waiting requests and event streams. */
  const listen = async (channel: string) => {
    const heard: number[] = [];
    const unsubscribe = await net.app.ctx.correlation.subscribe(channel, () => heard.push(Date.now()));
    return { heard, unsubscribe };
  };
  const quoteOf = async (searchId: string, quoteId: string) => {
    const quotes = await call('GET', `/rider/searches/${searchId}/quotes`);
    assert.equal(quotes.status, 200, JSON.stringify(quotes.body));
    return (quotes.body.quotes as any[]).find((q) => q.id === quoteId);
  };
  const bookingOf = async (bookingId: string) => {
    const booking = await call('GET', `/rider/bookings/${bookingId}`);
    assert.equal(booking.status, 200, JSON.stringify(booking.body));
    return booking.body;
  };
  /** A search the fake BPP answers with the ONDC example's estimates, and its auto estimate once our BAP shows it. */
  const searchedFake = async (pickup: { lat: number; lon: number }) => {
    const started = await call('POST', '/rider/searches', { pickup, drop: { lat: 12.95, lon: 77.58 } });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const { searchId, transactionId } = started.body as { searchId: string; transactionId: string };
    const searched = await sentToFake('search', transactionId);
    assert.equal((await fromFakeBpp('on_search', answer(searched, 'on_search', 'X16'))).status, 200);
    const auto = await eventually('the auto estimate', async () => {
      const view = await call('GET', `/rider/searches/${searchId}`);
      return (view.body.estimates as any[]).find((e) => e.bppId === net.bpp.subscriberId && e.itemId === 'I1');
    });
    return { searchId, transactionId, auto };
  };
  /** The fake BPP's auto estimate selected and quoted in time (its on_select right away). */
  const quotedByFake = async (pickup: { lat: number; lon: number }) => {
    const { searchId, transactionId, auto } = await searchedFake(pickup);
    const selected = await call('POST', `/rider/estimates/${auto.id}/select`);
    assert.equal(selected.status, 202, JSON.stringify(selected.body));
    const select = await sentToFake('select', transactionId);
    assert.equal((await fromFakeBpp('on_select', answer(select, 'on_select', 'X17', (b) => (b.message.order.quote.ttl = 'PT300S')))).status, 200);
    assert.equal((await quoteOf(searchId, selected.body.quoteId)).status, 'RECEIVED');
    return { searchId, transactionId, quoteId: selected.body.quoteId as string };
  };
  const book = async (quoteId: string) => {
    const booked = await call('POST', `/rider/quotes/${quoteId}/book`);
    assert.equal(booked.status, 202, JSON.stringify(booked.body));
    return booked.body.bookingId as string;
  };
  const bookingRow = async (bookingId: string) =>
    (await rows<{ status: string; error_code: string | null; updated_at: Date }>('SELECT status, error_code, updated_at FROM atlas_app.booking WHERE id = $1', [bookingId]))[0];
  const runJob = (payload: unknown) =>
    createAnswerTimeoutJob(net.app.ctx.bap)({ id: `test:${JSON.stringify(payload)}`, type: ANSWER_TIMEOUT_JOB, payload, attempt: 1, scheduledFor: Date.now() });

  /** Message ids of the requests whose answer-timeout job the scheduler ran to the end. */
  const timeoutsRun = new Set<string>();

  before(async () => {
    net = await startBecknHarness({
      env: { BECKN_DEFAULT_TTL: `PT${TTL_MS / 1000}S` },
      beforeStart: (ctx) => {
        const register = ctx.scheduler.register.bind(ctx.scheduler);
        ctx.scheduler.register = (type, handler) =>
          register(type, type !== ANSWER_TIMEOUT_JOB ? handler : async (job) => {
            await handler(job);
            timeoutsRun.add((job.payload as { messageId: string }).messageId);
          });
      },
    });
    assert.equal(net.app.ctx.bap.settings.requestTtl, 'PT2S');
    const created = await call('POST', '/admin/riders', { name: 'Asha Rao', mobile_number: `+9198${String(Date.now()).slice(-8)}` }, net.app.ctx.config.secrets.adminToken);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    token = created.body.token;
  });
  after(async () => {
    await net?.close();
  });

  it('fails a quote still PENDING after the select ttl and the grace, announces it, and refuses a later on_select', async () => {
    const { searchId, transactionId, auto } = await searchedFake({ lat: 12.91, lon: 77.61 });
    const search = await listen(searchChannel(searchId));
    try {
      const sentAt = Date.now();
      const selected = await call('POST', `/rider/estimates/${auto.id}/select`);
      assert.equal(selected.status, 202, JSON.stringify(selected.body));
      const { quoteId } = selected.body;
      const select = await sentToFake('select', transactionId);
      assert.equal((await quoteOf(searchId, quoteId)).status, 'PENDING', 'the BPP acknowledged the select and is still to answer');

      const failed = await eventually('the quote failed', async () => {
        const quote = await quoteOf(searchId, quoteId);
        return quote.status === 'FAILED' ? quote : undefined;
      });
      assert.ok(Date.now() - sentAt >= GIVE_UP_MS, 'not before the ttl and the grace');
      assert.equal(failed.error.code, 'TIMEOUT');
      assert.match(failed.error.message, /did not answer the select/);
      await eventually('the search channel announced', async () => (search.heard.some((at) => at - sentAt >= GIVE_UP_MS) ? true : undefined), 5_000);

      // The answer that comes after all is refused; the quote stays failed.
      const late = await fromFakeBpp('on_select', answer(select, 'on_select', 'X17'));
      assert.equal(late.status, 400, JSON.stringify(late.body));
      assert.equal(late.body.message.ack.status, 'NACK');
      const after = await quoteOf(searchId, quoteId);
      assert.equal(after.status, 'FAILED');
      assert.equal(after.error.code, 'TIMEOUT');
      assert.equal(after.price, null);
    } finally {
      await search.unsubscribe();
    }
  });

  it('fails a booking still INITIATING after the init ttl and the grace, and announces it on the booking channel', async () => {
    const { transactionId, quoteId } = await quotedByFake({ lat: 12.92, lon: 77.62 });
    const sentAt = Date.now();
    const bookingId = await book(quoteId);
    const channel = await listen(bookingChannel(bookingId));
    try {
      await sentToFake('init', transactionId);
      assert.equal((await bookingOf(bookingId)).status, 'INITIATING');

      const failed = await eventually('the booking failed', async () => {
        const booking = await bookingOf(bookingId);
        return booking.status === 'FAILED' ? booking : undefined;
      });
      assert.ok(Date.now() - sentAt >= GIVE_UP_MS, 'not before the ttl and the grace');
      assert.equal(failed.error.code, 'TIMEOUT');
      assert.match(failed.error.message, /did not answer the init/);
      assert.equal(failed.ride, null);
      await eventually('the booking channel announced', async () => (channel.heard.some((at) => at - sentAt >= GIVE_UP_MS) ? true : undefined), 5_000);
      assert.equal(net.bpp.received.filter((m) => m.action === 'confirm' && m.body.context.transaction_id === transactionId).length, 0, 'nothing is confirmed');

      // Running the job again changes nothing.
      const before = await bookingRow(bookingId);
      const init = (await rows<{ init_message_id: string }>('SELECT init_message_id FROM atlas_app.booking WHERE id = $1', [bookingId]))[0]!;
      await runJob({ action: 'init', messageId: init.init_message_id });
      assert.deepEqual(await bookingRow(bookingId), before);
    } finally {
      await channel.unsubscribe();
    }
  });

  it('fails a booking still CONFIRMING after the confirm ttl and the grace: on_init came, on_confirm never', async () => {
    const { transactionId, quoteId } = await quotedByFake({ lat: 12.93, lon: 77.63 });
    const bookingId = await book(quoteId);
    const init = await sentToFake('init', transactionId);
    // Taken before the on_init: the confirm it triggers (and the confirm's timeout) may be on its way before the ACK is back.
    const confirmingAt = Date.now();
    assert.equal((await fromFakeBpp('on_init', answer(init, 'on_init', 'X13'))).status, 200);
    assert.equal((await bookingOf(bookingId)).status, 'CONFIRMING');
    const channel = await listen(bookingChannel(bookingId));
    try {
      const confirm = await sentToFake('confirm', transactionId);
      const failed = await eventually('the booking failed', async () => {
        const booking = await bookingOf(bookingId);
        return booking.status === 'FAILED' ? booking : undefined;
      });
      assert.ok(Date.now() - confirmingAt >= GIVE_UP_MS, 'not before the confirm ttl and the grace');
      assert.equal(failed.error.code, 'TIMEOUT');
      assert.match(failed.error.message, /did not answer the confirm/, 'the confirm, not the init, timed out');
      await eventually('the booking channel announced', async () => (channel.heard.some((at) => at - confirmingAt >= GIVE_UP_MS) ? true : undefined), 5_000);

      const late = await fromFakeBpp('on_confirm', answer(confirm, 'on_confirm', 'X10'));
      assert.equal(late.status, 400, JSON.stringify(late.body));
      const after = await bookingOf(bookingId);
      assert.equal(after.status, 'FAILED');
      assert.equal(after.ride, null);
    } finally {
      await channel.unsubscribe();
    }
  });

  it('leaves a quote and a booking answered in time as they are, when their timeouts come and when run again', async () => {
    const { searchId, transactionId, quoteId } = await quotedByFake({ lat: 12.94, lon: 77.64 });
    const bookingId = await book(quoteId);
    const init = await sentToFake('init', transactionId);
    assert.equal((await fromFakeBpp('on_init', answer(init, 'on_init', 'X13'))).status, 200);
    const confirm = await sentToFake('confirm', transactionId);
    assert.equal((await fromFakeBpp('on_confirm', answer(confirm, 'on_confirm', 'X10'))).status, 200);
    const confirmed = await bookingRow(bookingId);
    assert.equal(confirmed?.status, 'CONFIRMED');

    // The scheduled timeouts of the select, init and confirm come and go.
    const requests = net.bpp.received.filter((m) => ['select', 'init', 'confirm'].includes(m.action) && m.body.context.transaction_id === transactionId);
    assert.deepEqual(requests.map((m) => m.action).sort(), ['confirm', 'init', 'select']);
    await waitUntil('the answer timeouts of the select, init and confirm ran', () => requests.every((m) => timeoutsRun.has(m.body.context.message_id as string)), {
      timeoutMs: GIVE_UP_MS + 30_000,
      intervalMs: 50,
    });
    assert.deepEqual(await bookingRow(bookingId), confirmed);
    const quote = await quoteOf(searchId, quoteId);
    assert.equal(quote.status, 'RECEIVED');
    assert.equal(quote.error, null);

    // And run again by hand, for each request.
    const [ids] = await rows<{ select_message_id: string; init_message_id: string; confirm_message_id: string }>(
      `SELECT q.select_message_id, b.init_message_id, b.confirm_message_id FROM atlas_app.booking b JOIN atlas_app.quote q ON q.id = b.quote_id WHERE b.id = $1`,
      [bookingId],
    );
    assert.ok(ids);
    await runJob({ action: 'select', messageId: ids.select_message_id });
    await runJob({ action: 'init', messageId: ids.init_message_id });
    await runJob({ action: 'confirm', messageId: ids.confirm_message_id });
    assert.deepEqual(await bookingRow(bookingId), confirmed);
    assert.equal((await quoteOf(searchId, quoteId)).status, 'RECEIVED');
    // A job without a request it can read is ignored.
    await runJob({ action: 'search', messageId: ids.select_message_id });
    await runJob(null);
    assert.deepEqual(await bookingRow(bookingId), confirmed);
  });
});
