import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { CallbackReply, RequestInput } from '../../src/protocol/index.js';
import { parseAuthorizationHeader, verifyParsedAuthorization } from '../../src/protocol/signing/index.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import { loadExamples, restamp, type BecknExample } from '../support/beckn-examples.js';
import { waitForProtocolIdle } from '../support/protocol-idle.js';
import { waitFor } from '../support/wait-until.js';

const examples = loadExamples();
const requests = examples.filter((e) => !e.action.startsWith('on_'));
const callbacks = examples.filter((e) => e.action.startsWith('on_'));
const unsolicited = new Set(['on_status', 'on_update', 'on_cancel', 'on_track']);

/** The provider side answers each request with the official example callback of its domain. */
function exampleReply(action: string, domain: string): CallbackReply {
  const callback = callbacks.find((e) => e.action === `on_${action}` && e.domain === domain && e.body.message !== undefined);
  return callback ? { message: restamp(callback, {}).message } : { error: { code: '40001', message: `no ${action} in this test network` } };
}

function verifiedBy(publicKey: string, headers: Record<string, unknown>, raw: Buffer): boolean {
  const verdict = verifyParsedAuthorization(parseAuthorizationHeader(String(headers.authorization)), raw, publicKey);
  return verdict.ok;
}

describe('the official examples through real signed HTTP', function () {
  this.timeout(120_000);
  let net: BecknHarness;

  before(async () => {
    net = await startBecknHarness({
      riderSide: false,
      beforeStart: (ctx) => {
        for (const action of ['search', 'select', 'init', 'confirm', 'status', 'track', 'cancel', 'update', 'rating', 'support'] as const) {
          ctx.beckn.protocol.handlers.onRequest(action, async (request) => exampleReply(action, String(request.context.domain)));
        }
      },
    });
  });
  after(async () => {
    await net?.close();
  });

  for (const example of requests) {
    it(`our BPP ACKs ${example.name} and calls back on_${example.action}, signed, to the BAP`, async () => {
      const body = restamp(example, net.toOurBpp(example.action === 'search' ? { bpp_id: undefined, bpp_uri: undefined } : {}));
      const answer = await net.bap.post(`${net.ourBpp.url}/${example.action}`, body);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(answer.body, { message: { ack: { status: 'ACK' } } });

      const callback = await net.bap.waitFor((m) => m.body.context.message_id === body.context.message_id);
      assert.equal(callback.action, `on_${example.action}`);
      assert.equal(callback.body.context.transaction_id, body.context.transaction_id);
      assert.equal(callback.body.context.bpp_id, net.ourBpp.id);
      assert.ok(verifiedBy(net.app.ctx.config.secrets.signingPublicKey, callback.headers, callback.raw), 'callback signed by our BPP key');
    });
  }

  /** Starts what the callback answers: our BAP sends the request (or, for pushes, a search opening the transaction). */
  async function openRequest(example: BecknExample): Promise<{ transactionId: string; messageId: string }> {
    const action = example.action.slice(3);
    const pushed = unsolicited.has(example.action);
    // A request of the same domain, else (rating, support on nic2004) the other domain's request message in this domain's context.
    const request = requests.find((e) => e.action === action && e.domain === example.domain) ?? (pushed ? undefined : requests.find((e) => e.action === action));
    const opener = request ?? requests.find((e) => e.action === 'search' && e.domain === example.domain);
    assert.ok(opener, `a request example opens ${example.name}`);
    const context = example.body.context;
    const input = {
      action: opener.action,
      context: { domain: context.domain, location: context.location, version: context.version, bpp_id: net.bpp.subscriberId, bpp_uri: net.bpp.url },
      message: restamp(opener, {}).message,
    } as RequestInput;
    const sent = await net.app.ctx.beckn.protocol.sender.sendRequest(input);
    await net.bpp.waitFor((m) => m.body.context.message_id === sent.messageId);
    return { transactionId: sent.transactionId, messageId: request ? sent.messageId : randomUUID() };
  }

  for (const example of callbacks) {
    it(`our BAP ACKs ${example.name}`, async () => {
      const ids = await openRequest(example);
      const body = restamp(example, {
        bap_id: net.ourBap.id,
        bap_uri: net.ourBap.url,
        bpp_id: net.bpp.subscriberId,
        bpp_uri: net.bpp.url,
        transaction_id: ids.transactionId,
        message_id: ids.messageId,
        timestamp: new Date().toISOString(),
        ttl: 'PT30S',
      });
      const answer = await net.bpp.post(`${net.ourBap.url}/${example.action}`, body);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(answer.body, { message: { ack: { status: 'ACK' } } });
    });
  }

  it('logged every message exactly once: inbound ACKs and outbound deliveries', async () => {
    const expectedOutbound = requests.length + callbacks.length;
    // A delivery's record is written once its answer is in, which may trail the receiver seeing it.
    await waitForProtocolIdle(net.app.ctx);
    const records = await waitFor('a record of every delivery', async () => {
      const all = await net.records();
      return all.filter((r) => r.direction === 'outbound').length >= expectedOutbound ? all : undefined;
    });
    const inbound = records.filter((r) => r.direction === 'inbound');
    assert.equal(inbound.length, requests.length + callbacks.length);
    assert.ok(inbound.every((r) => r.ack === 'ACK' && r.signature.verdict === 'valid'));
    const outbound = records.filter((r) => r.direction === 'outbound');
    assert.equal(outbound.length, expectedOutbound, 'one record per delivery, each delivered at the first attempt');
    assert.ok(outbound.every((r) => r.ack === 'ACK' && r.attempt === 1));
  });
});
