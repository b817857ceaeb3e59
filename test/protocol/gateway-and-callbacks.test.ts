import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { findSentRequest } from '../../src/protocol/correlation/index.js';
import type { RequestInput } from '../../src/protocol/index.js';
import { parseAuthorizationHeader, verifyParsedAuthorization } from '../../src/protocol/signing/index.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import { loadExamples, restamp } from '../support/beckn-examples.js';
import { waitUntil } from '../support/wait-until.js';

const examples = loadExamples();
const ondc = (action: string) => {
  const found = examples.find((e) => e.action === action && e.domain === 'ONDC:TRV10');
  if (!found) throw new Error(`no ONDC ${action} example`);
  return found;
};

describe('gateway fan-out and callback correlation at the BAP', function () {
  this.timeout(120_000);
  let net: BecknHarness;
  let ourBppSearches = 0;

  before(async () => {
    net = await startBecknHarness({
      riderSide: false,
      beforeStart: (ctx) => {
        ctx.beckn.protocol.handlers.onRequest('search', async () => {
          ourBppSearches += 1;
          return { message: restamp(ondc('on_search'), {}).message };
        });
      },
    });
  });
  after(async () => {
    await net?.close();
  });

  const verifies = (header: unknown, raw: Buffer, publicKey: string) =>
    verifyParsedAuthorization(parseAuthorizationHeader(String(header)), raw, publicKey).ok;

  it('forwards a search unchanged to every matching BPP with the BAP signature kept and ours added', async () => {
    const body = restamp(ondc('search'), net.toOurBpp({ bpp_id: undefined, bpp_uri: undefined }));
    const raw = Buffer.from(JSON.stringify(body));
    const authorization = net.bap.signer.sign(raw);
    const answer = await net.bap.post(`${net.ourGatewayUrl}/search`, null, { raw, headers: { authorization } });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));

    const forwarded = await net.bpp.waitFor((m) => m.body.context.message_id === body.context.message_id);
    assert.ok(forwarded.raw.equals(raw), 'the body bytes are unchanged');
    assert.equal(forwarded.headers.authorization, authorization);
    const gatewayHeader = forwarded.headers['x-gateway-authorization'];
    assert.match(String(gatewayHeader), new RegExp(`keyId="${net.app.ctx.config.beckn.subscriberIds.gateway}\\|`));
    assert.ok(verifies(gatewayHeader, raw, net.app.ctx.config.secrets.signingPublicKey));

    // Our own BPP is subscribed to every domain and city: it verifies both headers and calls the BAP back.
    const callback = await net.bap.waitFor((m) => m.action === 'on_search' && m.body.context.message_id === body.context.message_id);
    assert.equal(callback.body.context.bpp_id, net.ourBpp.id);
    assert.equal(ourBppSearches, 1);
  });

  async function sentByOurBap(action: 'select' | 'search', ttl = 'PT30S') {
    const example = ondc(action);
    const context = example.body.context;
    const input = {
      action,
      context: { domain: context.domain, location: context.location, version: context.version, bpp_id: net.bpp.subscriberId, bpp_uri: net.bpp.url, ttl },
      message: restamp(example, {}).message,
    } as RequestInput;
    const sent = await net.app.ctx.beckn.protocol.sender.sendRequest(input);
    await net.bpp.waitFor((m) => m.body.context.message_id === sent.messageId);
    return sent;
  }

  function callback(action: string, ids: { transactionId: string; messageId: string }) {
    return restamp(ondc(action), {
      bap_id: net.ourBap.id,
      bap_uri: net.ourBap.url,
      bpp_id: net.bpp.subscriberId,
      bpp_uri: net.bpp.url,
      transaction_id: ids.transactionId,
      message_id: ids.messageId,
      timestamp: new Date().toISOString(),
      ttl: 'PT30S',
    });
  }

  async function expectBapNack(body: unknown, action: string, status: number, code: string, options: { raw?: Buffer; headers?: Record<string, string> } = {}) {
    const requestId = `bap-${code}-${randomUUID()}`;
    const answer = await net.bpp.post(`${net.ourBap.url}/${action}`, body, { ...options, headers: { 'x-request-id': requestId, ...options.headers } });
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    assert.equal(answer.body.error.code, code, JSON.stringify(answer.body.error));
    const record = await net.recordFor(requestId);
    assert.equal(record.error_code, code);
    assert.equal(record.ack, 'NACK');
  }

  it('refuses a callback of a transaction it never started: 400 20008', async () => {
    await expectBapNack(callback('on_status', { transactionId: randomUUID(), messageId: randomUUID() }), 'on_status', 400, '20008');
  });

  it('refuses a solicited callback for another action than the request: 400 20008', async () => {
    const sent = await sentByOurBap('select');
    await expectBapNack(callback('on_init', sent), 'on_init', 400, '20008');
  });

  it('refuses a callback arriving after its request ttl: 400 20009, and logs it as late', async () => {
    const sent = await sentByOurBap('select', 'PT1S');
    const recorded = await findSentRequest(net.app.ctx.correlation, net.ourBap.id, sent.messageId);
    assert.ok(recorded, 'our BAP recorded the select');
    // The service takes no injected clock: lateness is judged on real time, so wait until it is past the select's deadline.
    await waitUntil('the select ttl has passed', () => Date.now() > recorded.deadline, { timeoutMs: 5_000 });
    await expectBapNack(callback('on_select', sent), 'on_select', 400, '20009');
  });

  it('refuses a callback with a bad signature: 401 20001', async () => {
    const sent = await sentByOurBap('select');
    const raw = Buffer.from(JSON.stringify(callback('on_select', sent)));
    const authorization = net.bpp.signer.sign(Buffer.from('other bytes'));
    await expectBapNack(null, 'on_select', 401, '20001', { raw, headers: { authorization } });
  });

  it('accepts an unsolicited on_status with a fresh message_id in a transaction it started', async () => {
    const sent = await sentByOurBap('search');
    const answer = await net.bpp.post(`${net.ourBap.url}/on_status`, callback('on_status', { transactionId: sent.transactionId, messageId: randomUUID() }));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  });
});
