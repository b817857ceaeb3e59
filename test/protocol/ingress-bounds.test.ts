import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { loadExamples, restamp } from '../support/beckn-examples.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import { waitForProtocolIdle } from '../support/protocol-idle.js';

const search = loadExamples().find((e) => e.action === 'search' && e.domain === 'ONDC:TRV10');
if (!search) throw new Error('the ONDC search example is missing');

const searchBody = (net: BecknHarness) => restamp(search, net.toOurBpp({ bpp_id: undefined, bpp_uri: undefined }));

async function inboxRows(net: BecknHarness, messageId: string): Promise<number> {
  const [row] = await net.app.ctx.sequelize.query<{ n: string }>('SELECT count(*) AS n FROM beckn_protocol.inbox WHERE message_id = $1', {
    bind: [messageId],
    type: QueryTypes.SELECT,
  });
  return Number(row?.n ?? 0);
}

describe('ingress bounds: nesting depth and refused bodies', function () {
  this.timeout(120_000);
  let net: BecknHarness;
  let handled = 0;

  before(async () => {
    net = await startBecknHarness({
      beforeStart: (ctx) => {
        ctx.beckn.protocol.handlers.onRequest('search', async () => {
          handled += 1;
          return { error: { code: '40001', message: 'no rides in this test' } };
        });
      },
    });
  });
  after(async () => {
    await net?.close();
  });

  it('a signed search nested 20,000 levels deep is NACKed 400 30000 before anything reaches the inbox; a normal search is still ACKed', async () => {
    const payload = searchBody(net);
    const messageId = String(payload.context.message_id);
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const raw = Buffer.from(JSON.stringify({ ...payload, message: { ...payload.message, padding: '@deep@' } }).replace('"@deep@"', deep));
    const requestId = `deep-${randomUUID()}`;
    const before = handled;

    const answer = await net.bap.post(`${net.ourBpp.url}/search`, null, { raw, headers: { 'x-request-id': requestId } });
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.equal(answer.body.message.ack.status, 'NACK');
    assert.equal(answer.body.error.code, '30000');
    assert.equal(answer.body.error.type, 'JSON-SCHEMA-ERROR');
    assert.match(answer.body.error.message, /nested deeper than 32/);
    const record = await net.recordFor(requestId);
    assert.equal(record.error_code, '30000');
    // The inbox row would be written before the answer, so its absence is settled once the NACK is here.
    assert.equal(await inboxRows(net, messageId), 0);

    const normal = searchBody(net);
    const ok = await net.bap.post(`${net.ourBpp.url}/search`, normal);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    await waitForProtocolIdle(net.app.ctx);
    assert.equal(handled - before, 1, 'only the normal search was handled');
  });

  it('a signed search with an array of 32,000 items is NACKed 400 30000 at once, before schema validation', async () => {
    const payload = searchBody(net);
    const messageId = String(payload.context.message_id);
    const tags = Array.from({ length: 32_000 }, (_, i) => ({ x: i, descriptor: 5 }));
    const answer = await net.bap.post(`${net.ourBpp.url}/search`, { ...payload, message: { intent: { ...(payload.message as any).intent, tags } } });
    assert.equal(answer.status, 400, JSON.stringify(answer.body).slice(0, 500));
    assert.equal(answer.body.error.code, '30000');
    assert.match(answer.body.error.message, /more than 1000 items/);
    assert.ok(JSON.stringify(answer.body).length < 2_000, 'the NACK names the bound, not every failing item');
    assert.equal(await inboxRows(net, messageId), 0);
  });

  it('an unsigned 1 MiB POST is refused 401 and logged as a 4 KiB prefix with the digest and size of the whole body', async () => {
    const payload = searchBody(net);
    const skeleton = JSON.stringify({ ...payload, message: { ...payload.message, padding: '' } });
    const raw = Buffer.from(skeleton.replace('"padding":""', `"padding":"${'x'.repeat(1_048_576 - skeleton.length)}"`));
    assert.equal(raw.length, 1_048_576);
    const requestId = `unsigned-mib-${randomUUID()}`;

    const answer = await net.bap.post(`${net.ourBpp.url}/search`, null, { raw, sign: false, headers: { 'x-request-id': requestId } });
    assert.equal(answer.status, 401);
    assert.equal(answer.body.error.code, '30016');
    const record = await net.recordFor(requestId);
    assert.ok(Buffer.byteLength(record.raw_body) <= 4096, `stored ${Buffer.byteLength(record.raw_body)} bytes of body`);
    assert.equal(record.raw_body, raw.subarray(0, 4096).toString('utf8'));
    assert.equal(record.body_truncated, true);
    assert.equal(record.body_sha256, createHash('sha256').update(raw).digest('hex'));
    assert.equal(record.body_size, raw.length);
    assert.equal(record.transaction_id, payload.context.transaction_id, 'the record still names the claimed transaction');
  });

  it('a signed search refused after its signature verified keeps its whole body for the auditor', async () => {
    const payload = searchBody(net);
    payload.context.ttl = 'P120S';
    const requestId = `signed-refusal-${randomUUID()}`;
    const answer = await net.bap.post(`${net.ourBpp.url}/search`, payload, { headers: { 'x-request-id': requestId } });
    assert.equal(answer.status, 400);
    const record = await net.recordFor(requestId);
    assert.equal(record.raw_body, JSON.stringify(payload));
    assert.equal(record.body_truncated, false);
  });
});

describe('ingress bounds: refusals without a verified signature are limited per source address', function () {
  this.timeout(120_000);
  let net: BecknHarness;

  before(async () => {
    net = await startBecknHarness({
      beforeStart: (ctx) => {
        ctx.beckn.protocol.handlers.onRequest('search', async () => ({ error: { code: '40001', message: 'no rides in this test' } }));
      },
    });
  });
  after(async () => {
    await net?.close();
  });

  it('past the limit an address gets 429 30000, only one record says so, and a signed search from that address is still ACKed', async () => {
    const limit = net.app.ctx.config.beckn.refusalsPerMinutePerAddress;
    const flood = `flood-${randomUUID()}`;
    for (let i = 0; i < limit; i++) {
      const answer = await net.bap.post(`${net.ourBpp.url}/search`, searchBody(net), { sign: false, headers: { 'x-request-id': `${flood}-${i}` } });
      assert.equal(answer.status, 401, `refusal ${i}: ${JSON.stringify(answer.body)}`);
    }
    for (let i = limit; i < limit + 5; i++) {
      const answer = await net.bap.post(`${net.ourBpp.url}/search`, searchBody(net), { sign: false, headers: { 'x-request-id': `${flood}-${i}` } });
      assert.equal(answer.status, 429, `refusal ${i}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.code, '30000');
      assert.ok(Number(answer.headers.get('retry-after')) > 0, 'Retry-After names the rest of the window');
    }

    const requestId = `well-behaved-${randomUUID()}`;
    const ok = await net.bap.post(`${net.ourBpp.url}/search`, searchBody(net), { headers: { 'x-request-id': requestId } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    // Records are appended before each answer, so once the ACK's record is in the log every flood record is too.
    await net.recordFor(requestId);
    const flooded = (await net.records()).filter((r) => r.headers['x-request-id']?.startsWith(flood));
    assert.equal(flooded.filter((r) => r.http_status === 401).length, limit);
    const limited = flooded.filter((r) => r.http_status === 429);
    assert.equal(limited.length, 1, 'one record marks the start of the limit; the rest are not logged');
    assert.equal(limited[0]?.raw_body, '');
    assert.equal(limited[0]?.body_truncated, true);
  });
});

describe('ingress bounds: a message accepted durably is answered ACK once, even when Redis fails after the inbox commit', function () {
  this.timeout(120_000);
  let net: BecknHarness;
  let handled = 0;
  /** The message_id whose claim confirmation fails once, as a Redis outage right after the inbox commit would. */
  let failConfirmOf: string | null = null;

  before(async () => {
    net = await startBecknHarness({
      beforeStart: (ctx) => {
        ctx.beckn.protocol.handlers.onRequest('search', async () => {
          handled += 1;
          return { error: { code: '40001', message: 'no rides in this test' } };
        });
        // Fault injection on the real Redis adapter: only the confirm of one claim fails.
        const store = ctx.correlation;
        const realSet = store.set.bind(store);
        store.set = async (key, value, ttlMs) => {
          if (failConfirmOf !== null && key.includes(failConfirmOf) && value.startsWith('done:')) {
            failConfirmOf = null;
            throw new Error('injected: Redis unavailable while confirming a duplicate claim');
          }
          return realSet(key, value, ttlMs);
        };
      },
    });
  });
  after(async () => {
    await net?.close();
  });

  const onSearchesFor = (messageId: string) => net.bap.received.filter((m) => m.action === 'on_search' && m.body.context.message_id === messageId);

  it('the confirm fails: the answer is ACK, the retry is a duplicate, and the search is handled and answered once', async () => {
    const payload = searchBody(net);
    const messageId = String(payload.context.message_id);
    const before = handled;
    failConfirmOf = messageId;

    const first = await net.bap.post(`${net.ourBpp.url}/search`, payload);
    assert.equal(failConfirmOf, null, 'the injected failure happened');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const retryId = `retry-${randomUUID()}`;
    const retry = await net.bap.post(`${net.ourBpp.url}/search`, payload, { headers: { 'x-request-id': retryId } });
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.equal((await net.recordFor(retryId)).duplicate, true);

    await net.bap.waitFor((m) => m.action === 'on_search' && m.body.context.message_id === messageId);
    await waitForProtocolIdle(net.app.ctx);
    assert.equal(handled - before, 1);
    assert.equal(onSearchesFor(messageId).length, 1);
    assert.equal(await inboxRows(net, messageId), 1);
  });

  it('Redis forgot the claim: the inbox row still makes the retry a duplicate', async () => {
    const payload = searchBody(net);
    const messageId = String(payload.context.message_id);
    const before = handled;
    const first = await net.bap.post(`${net.ourBpp.url}/search`, payload);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    await net.bap.waitFor((m) => m.action === 'on_search' && m.body.context.message_id === messageId);
    const claim = `beckn:seen:bpp:${net.bap.subscriberId}:search:${messageId}`;
    assert.equal(await net.app.ctx.correlation.delete(claim), true, 'the claim was where the duplicate step keeps it');

    const retryId = `forgotten-${randomUUID()}`;
    const retry = await net.bap.post(`${net.ourBpp.url}/search`, payload, { headers: { 'x-request-id': retryId } });
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.equal((await net.recordFor(retryId)).duplicate, true);
    await waitForProtocolIdle(net.app.ctx);
    assert.equal(handled - before, 1);
    assert.equal(onSearchesFor(messageId).length, 1);
  });
});
