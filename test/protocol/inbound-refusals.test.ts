import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { buildAuthorizationHeader, createSigner, generateSigningKeyPair, parseAuthorizationHeader } from '../../src/protocol/signing/index.js';
import { startFakeParticipant, type FakeParticipant } from '../support/fake-participant.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import { loadExamples, restamp } from '../support/beckn-examples.js';
import { waitForProtocolIdle } from '../support/protocol-idle.js';

const search = loadExamples().find((e) => e.action === 'search' && e.domain === 'ONDC:TRV10');
if (!search) throw new Error('the ONDC search example is missing');

interface Expected {
  status: number;
  code: string;
}

/**
 * Each way a request can be wrong gets its own NACK code and HTTP status
 * (PROFILE.md, src/protocol/errors/nack-catalogue.ts), changes nothing, and is
 * still in the message log.
 */
describe('inbound refusals: each mutation gets its documented NACK and a message log record', function () {
  this.timeout(120_000);
  let net: BecknHarness;
  let revoked: FakeParticipant;
  let flooder: FakeParticipant;
  let handled = 0;

  before(async () => {
    revoked = await startFakeParticipant('BAP', 'revoked');
    flooder = await startFakeParticipant('BAP', 'flooder');
    net = await startBecknHarness({
      env: { BECKN_CITIES: 'std:080', BECKN_RATE_LIMIT_PER_MINUTE: '40', HTTP_BODY_LIMIT_BYTES: '65536' },
      extraParticipants: [flooder],
      beforeStart: (ctx) => {
        ctx.beckn.protocol.handlers.onRequest('search', async () => {
          handled += 1;
          return { error: { code: '40001', message: 'no rides in this test' } };
        });
      },
    });
    await net.app.ctx.beckn.registry?.upsert([
      {
        subscriberId: revoked.subscriberId,
        uniqueKeyId: revoked.uniqueKeyId,
        type: 'BAP',
        domain: null,
        city: null,
        country: null,
        subscriberUrl: revoked.url,
        signingPublicKey: revoked.publicKey,
        encrPublicKey: null,
        validFrom: new Date(Date.now() - 3_600_000),
        validUntil: new Date(Date.now() + 3_600_000),
        status: 'UNSUBSCRIBED',
      },
    ]);
  });
  after(async () => {
    await net?.close();
    await revoked?.close();
  });

  const body = (context: Record<string, unknown> = {}) => restamp(search, net.toOurBpp({ bpp_id: undefined, bpp_uri: undefined, ...context }));

  async function expectNack(
    name: string,
    send: (requestId: string) => Promise<{ status: number; body: any; headers: Headers }>,
    expected: Expected,
  ): Promise<{ headers: Headers }> {
    const requestId = `refusal-${name}-${randomUUID()}`;
    const answer = await send(requestId);
    assert.equal(answer.status, expected.status, `${name}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body?.message?.ack?.status, 'NACK', name);
    assert.equal(answer.body.error.code, expected.code, `${name}: ${JSON.stringify(answer.body.error)}`);
    assert.ok(answer.body.error.type && answer.body.error.message, name);
    const record = await net.recordFor(requestId);
    assert.equal(record.direction, 'inbound');
    assert.equal(record.ack, 'NACK');
    assert.equal(record.error_code, expected.code);
    assert.equal(record.http_status, expected.status);
    return answer;
  }

  const postSigned = (payload: unknown, requestId: string, headers: Record<string, string> = {}, from: FakeParticipant = net.bap, path = '/search') =>
    from.post(`${net.ourBpp.url.replace(/\/search$/, '')}${path}`, payload, { headers: { 'x-request-id': requestId, ...headers } });

  const signedWith = (raw: Buffer, from: FakeParticipant, override: Partial<ReturnType<typeof parseAuthorizationHeader>>) =>
    buildAuthorizationHeader({ ...parseAuthorizationHeader(from.signer.sign(raw)), ...override });

  it('tampered body: 401 30016 with WWW-Authenticate', async () => {
    const raw = Buffer.from(JSON.stringify(body()));
    const authorization = net.bap.signer.sign(raw);
    const tampered = Buffer.from(raw.toString().replace('"PT30S"', '"PT31S"'));
    const answer = await expectNack('tampered', (id) => net.bap.post(`${net.ourBpp.url}/search`, null, { raw: tampered, headers: { authorization, 'x-request-id': id } }), { status: 401, code: '30016' });
    assert.match(answer.headers.get('www-authenticate') ?? '', /^Signature realm="beckn-ride-test\.bpp\.[^"]+",headers="\(created\) \(expires\) digest"$/);
  });

  it('signed with another key under the registered keyId: 401 30016', async () => {
    const raw = Buffer.from(JSON.stringify(body()));
    const other = createSigner({ subscriberId: net.bap.subscriberId, uniqueKeyId: net.bap.uniqueKeyId, privateKey: generateSigningKeyPair().privateKeySeed });
    await expectNack('wrong-key', (id) => net.bap.post(`${net.ourBpp.url}/search`, null, { raw, headers: { authorization: other.sign(raw), 'x-request-id': id } }), { status: 401, code: '30016' });
  });

  it('unknown subscriber: 401 30016', async () => {
    const raw = Buffer.from(JSON.stringify(body()));
    const stranger = createSigner({ subscriberId: 'nobody.example', uniqueKeyId: 'k', privateKey: generateSigningKeyPair().privateKeySeed });
    await expectNack('unknown-subscriber', (id) => net.bap.post(`${net.ourBpp.url}/search`, null, { raw, headers: { authorization: stranger.sign(raw), 'x-request-id': id } }), { status: 401, code: '30016' });
  });

  it('revoked key (UNSUBSCRIBED in the registry): 401 30016', async () => {
    const payload = body({ bap_id: revoked.subscriberId, bap_uri: revoked.url });
    await expectNack('revoked', (id) => postSigned(payload, id, {}, revoked), { status: 401, code: '30016' });
  });

  it('expired signature: 401 30016', async () => {
    const raw = Buffer.from(JSON.stringify(body()));
    const authorization = net.bap.signer.sign(raw, { nowSeconds: Math.floor(Date.now() / 1000) - 3_600, ttlSeconds: 300 });
    await expectNack('expired', (id) => net.bap.post(`${net.ourBpp.url}/search`, null, { raw, headers: { authorization, 'x-request-id': id } }), { status: 401, code: '30016' });
  });

  it('signature created in the future: 401 30016', async () => {
    const raw = Buffer.from(JSON.stringify(body()));
    const authorization = net.bap.signer.sign(raw, { nowSeconds: Math.floor(Date.now() / 1000) + 600 });
    await expectNack('future-created', (id) => net.bap.post(`${net.ourBpp.url}/search`, null, { raw, headers: { authorization, 'x-request-id': id } }), { status: 401, code: '30016' });
  });

  it('missing Authorization: 401 30016', async () => {
    await expectNack('missing-header', (id) => net.bap.post(`${net.ourBpp.url}/search`, body(), { sign: false, headers: { 'x-request-id': id } }), { status: 401, code: '30016' });
  });

  it('malformed Authorization: 401 30016', async () => {
    await expectNack('malformed-header', (id) => net.bap.post(`${net.ourBpp.url}/search`, body(), { sign: false, headers: { authorization: 'Signature keyId="a|b"', 'x-request-id': id } }), { status: 401, code: '30016' });
  });

  it('unsupported algorithm in the header: 401 30016', async () => {
    const raw = Buffer.from(JSON.stringify(body()));
    const authorization = net.bap.signer.sign(raw).replace('algorithm="ed25519"', 'algorithm="rsa-sha256"');
    await expectNack('algorithm', (id) => net.bap.post(`${net.ourBpp.url}/search`, null, { raw, headers: { authorization, 'x-request-id': id } }), { status: 401, code: '30016' });
  });

  it('signer is not the bap_id of the context: 401 30016', async () => {
    await expectNack('signer-mismatch', (id) => postSigned(body(), id, {}, net.bpp), { status: 401, code: '30016' });
  });

  it('invalid gateway signature: 401 30016 with Proxy-Authenticate', async () => {
    const raw = Buffer.from(JSON.stringify(body()));
    const forged = signedWith(raw, net.bap, { signature: Buffer.alloc(64, 1).toString('base64') });
    const answer = await expectNack('gateway-header', (id) => net.bap.post(`${net.ourBpp.url}/search`, null, { raw, headers: { 'x-gateway-authorization': forged, 'x-request-id': id } }), { status: 401, code: '30016' });
    assert.match(answer.headers.get('proxy-authenticate') ?? '', /^Signature realm=/);
  });

  it('bpp_id of another BPP: 400 30000 naming /context/bpp_id', async () => {
    const answer = await expectNack('wrong-bpp', (id) => postSigned(body({ bpp_id: 'other.bpp', bpp_uri: undefined }), id), { status: 400, code: '30000' });
    assert.equal((answer as any).body?.error?.paths, '/context/bpp_id');
  });

  it('action of the body differs from the path: 400 30000', async () => {
    await expectNack('wrong-action', (id) => postSigned(body(), id, {}, net.bap, '/select'), { status: 400, code: '30000' });
  });

  it('unknown action path: 404 30000', async () => {
    await expectNack('unknown-action', (id) => postSigned(body(), id, {}, net.bap, '/teleport'), { status: 404, code: '30000' });
  });

  it('ttl that is not an ISO-8601 duration: 400 30000', async () => {
    await expectNack('bad-ttl', (id) => postSigned(body({ ttl: 'P120S' }), id), { status: 400, code: '30000' });
  });

  it('stale timestamp (older than its ttl): 400 30022', async () => {
    await expectNack('stale', (id) => postSigned(body({ timestamp: new Date(Date.now() - 120_000).toISOString() }), id), { status: 400, code: '30022' });
  });

  it('timestamp in the future: 400 30022', async () => {
    await expectNack('future-timestamp', (id) => postSigned(body({ timestamp: new Date(Date.now() + 120_000).toISOString() }), id), { status: 400, code: '30022' });
  });

  it('schema violation (message.intent missing): 400 30000 with the path', async () => {
    const payload = body();
    delete (payload.message as Record<string, unknown>).intent;
    const answer = await expectNack('schema', (id) => postSigned(payload, id), { status: 400, code: '30000' });
    assert.equal((answer as any).body.error.type, 'JSON-SCHEMA-ERROR');
    assert.match((answer as any).body.error.paths, /\/message/);
  });

  it('unsupported domain: 400 30000', async () => {
    await expectNack('domain', (id) => postSigned(body({ domain: 'ONDC:RET10' }), id), { status: 400, code: '30000' });
  });

  it('city not served: 400 30000 naming the city', async () => {
    await expectNack('city', (id) => postSigned(body({ location: { city: { code: 'std:011' }, country: { code: 'IND' } } }), id), { status: 400, code: '30000' });
  });

  it('bap_uri other than the registered subscriber_url: 400 30000', async () => {
    await expectNack('bap-uri', (id) => postSigned(body({ bap_uri: 'http://127.0.0.1:1/elsewhere' }), id), { status: 400, code: '30000' });
  });

  it('body that is not JSON (signed): 400 30000', async () => {
    const raw = Buffer.from('{"context": {');
    await expectNack('invalid-json', (id) => net.bap.post(`${net.ourBpp.url}/search`, null, { raw, headers: { 'x-request-id': id } }), { status: 400, code: '30000' });
  });

  it('oversized body: 413 30000', async () => {
    const payload = body();
    (payload.message as Record<string, unknown>).padding = 'x'.repeat(70_000);
    await expectNack('oversized', (id) => postSigned(payload, id), { status: 413, code: '30000' });
  });

  it('content type other than JSON: 415 30000', async () => {
    await expectNack('content-type', (id) => postSigned(body(), id, { 'content-type': 'text/plain' }), { status: 415, code: '30000' });
  });

  it('message_id reused with a different body: 409 30000, while the same body is ACKed again without a second run', async () => {
    const first = body();
    const before = handled;
    const ok = await postSigned(first, `dup-first-${randomUUID()}`);
    assert.equal(ok.status, 200);
    const again = await postSigned(first, `dup-same-${randomUUID()}`);
    assert.equal(again.status, 200);
    const changed = structuredClone(first);
    changed.context.ttl = 'PT29S';
    await expectNack('duplicate-other-body', (id) => postSigned(changed, id), { status: 409, code: '30000' });
    await net.bap.waitFor((m) => m.body.context.message_id === first.context.message_id);
    await waitForProtocolIdle(net.app.ctx);
    assert.equal(handled - before, 1, 'the repeat was not processed again');
    const repeats = (await net.records()).filter((r) => r.message_id === first.context.message_id && r.direction === 'inbound');
    assert.deepEqual(repeats.map((r) => [r.ack, r.duplicate]), [['ACK', false], ['ACK', true], ['NACK', false]]);
  });

  it('more messages than the rate limit from one subscriber: 429 30000', async () => {
    const payload = () => body({ bap_id: flooder.subscriberId, bap_uri: flooder.url });
    let answer;
    for (let i = 0; i < 40; i++) {
      answer = await postSigned(payload(), `flood-${i}`, {}, flooder);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    }
    await expectNack('rate-limited', (id) => postSigned(payload(), id, {}, flooder), { status: 429, code: '30000' });
  });
});
