import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { retryAfterSeconds } from '../../src/protocol/inbound/steps/admit-load.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import { loadExamples, restamp } from '../support/beckn-examples.js';
import { deferred, waitUntil } from '../support/wait-until.js';

const search = loadExamples().find((e) => e.action === 'search' && e.domain === 'ONDC:TRV10');
if (!search) throw new Error('the ONDC search example is missing');

/**
 * The BPP never ACKs a request it cannot answer within its ttl: with the
 * inbox's one handler held, entries pile up; past the wait bound (half the
 * request's ttl) or the pending bound, a signed search is answered 503 31001
 * with Retry-After, is in the message log, and leaves no inbox row and no
 * duplicate claim behind. Once the inbox drains, the same search is ACKed.
 */
describe('backpressure: requests refused while the inbox cannot answer them in time', function () {
  this.timeout(120_000);
  let net: BecknHarness;
  const gate = deferred();
  const handled: string[] = [];

  before(async () => {
    net = await startBecknHarness({
      env: { INBOX_MAX_PENDING: '3', INBOX_LOAD_SAMPLE_MS: '50', DELIVERY_CONCURRENCY: '1' },
      beforeStart: (ctx) => {
        ctx.beckn.protocol.handlers.onRequest('search', async (message) => {
          await gate.promise;
          handled.push(message.context.message_id ?? '');
          return { error: { code: '40001', message: 'no rides in this test' } };
        });
      },
    });
  });
  after(async () => {
    gate.resolve();
    await net?.close();
  });

  const searchBody = (ttl: string) => restamp(search, net.toOurBpp({ bpp_id: undefined, bpp_uri: undefined, ttl, message_id: randomUUID(), transaction_id: randomUUID() }));
  const send = (payload: unknown, requestId = `backpressure-${randomUUID()}`) => net.bap.post(net.ourBpp.url + '/search', payload, { headers: { 'x-request-id': requestId } });

  async function gauge(name: string): Promise<number | undefined> {
    const metric = await net.app.ctx.metrics.registry.getSingleMetric(name)?.get();
    return metric?.values.find((v) => v.labels.role === 'bpp')?.value;
  }
  const refusals = async (reason: string) =>
    (await net.app.ctx.metrics.registry.getSingleMetric('beckn_ride_backpressure_refusals_total')?.get())?.values.find((v) => v.labels.reason === reason)?.value ?? 0;

  async function inboxRows(messageId: string): Promise<number> {
    const [row] = await net.app.ctx.sequelize.query<{ n: string }>('SELECT count(*) AS n FROM beckn_protocol.inbox WHERE message_id = $1', { bind: [messageId], type: QueryTypes.SELECT });
    return Number(row?.n);
  }

  async function expectOverloaded(payload: any, requestId: string): Promise<void> {
    const answer = await send(payload, requestId);
    assert.equal(answer.status, 503, JSON.stringify(answer.body));
    assert.equal(answer.body.message.ack.status, 'NACK');
    assert.equal(answer.body.error.code, '31001');
    const retryAfter = Number(answer.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${answer.headers.get('retry-after')}`);
    const record = await net.recordFor(requestId);
    assert.deepEqual([record.ack, record.http_status, record.error_code, record.message_id], ['NACK', 503, '31001', payload.context.message_id]);
    assert.equal(await inboxRows(payload.context.message_id), 0, 'a refused request left an inbox row');
  }

  it('refuses a search whose ttl the oldest waiting entry has used half of, while one with a longer ttl is still ACKed', async () => {
    for (const payload of [searchBody('PT30S'), searchBody('PT30S')]) assert.equal((await send(payload)).status, 200);
    // One entry is with the held handler; the other waits for it.
    await waitUntil('the oldest waiting inbox entry has waited over 1 s', async () => ((await gauge('beckn_ride_inbox_oldest_wait_seconds')) ?? 0) > 1, { timeoutMs: 15_000, intervalMs: 50 });

    await expectOverloaded(searchBody('PT2S'), `backpressure-wait-${randomUUID()}`);
    assert.equal(await refusals('wait'), 1);
    const longer = await send(searchBody('PT30S'));
    assert.equal(longer.status, 200, JSON.stringify(longer.body));
  });

  it('refuses any search once more entries are pending than INBOX_MAX_PENDING, and ACKs the same bytes once the inbox drains', async () => {
    assert.equal((await send(searchBody('PT30S'))).status, 200);
    await waitUntil('the gauge sees 4 pending entries', async () => (await gauge('beckn_ride_inbox_pending')) === 4, { timeoutMs: 15_000, intervalMs: 50 });

    const refused = searchBody('PT30S');
    await expectOverloaded(refused, `backpressure-pending-${randomUUID()}`);
    assert.equal(await refusals('pending'), 1);

    gate.resolve();
    await waitUntil('the inbox has drained', async () => (await gauge('beckn_ride_inbox_pending')) === 0, { timeoutMs: 30_000, intervalMs: 50 });
    // The very message refused before: no duplicate claim was kept, so it is accepted and handled now.
    const again = await send(refused);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    await waitUntil('the once-refused search is handled', () => handled.includes(refused.context.message_id), { timeoutMs: 15_000, intervalMs: 50 });
    const records = (await net.records()).filter((r) => r.message_id === refused.context.message_id && r.direction === 'inbound');
    assert.deepEqual(records.map((r) => [r.ack, r.http_status, r.duplicate]), [['NACK', 503, false], ['ACK', 200, false]]);
  });
});

describe('backpressure: Retry-After estimated from the backlog', () => {
  const load = (pending: number, oldestWaitMs: number) => ({ pending, oldestWaitMs, sampledAt: 0 });

  it('over the wait bound: the excess wait, rounded up', () => {
    assert.equal(retryAfterSeconds(load(10, 17_200), 1000, 15_000), 3);
  });

  it('over the pending bound: the excess entries at the rate pending / oldest wait (Little\'s law)', () => {
    // 2,000 entries worked off in 10 s: 1,000 too many take 5 s.
    assert.equal(retryAfterSeconds(load(2000, 10_000), 1000, 15_000), 5);
  });

  it('at least 1 s (nothing waiting yet) and at most a minute', () => {
    assert.equal(retryAfterSeconds(load(5000, 0), 1000, 15_000), 1);
    assert.equal(retryAfterSeconds(load(10, 600_000), 1000, 15_000), 60);
  });
});
