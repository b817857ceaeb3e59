import assert from 'node:assert/strict';
import { startTestApp, fullProfileEnv, type TestApp } from '../support/test-app.js';
import { waitUntil } from '../support/wait-until.js';
import { becknBody, closedPortUrl } from './outbound-fixtures.js';

/**
 * A dead letter whose death the domain already acted on (the BPP cancels the
 * booking of an undelivered on_confirm; the BAP fails a waiting request) is
 * not replayed: sending it late would contradict what followed. Other dead
 * letters are.
 */
describe('dead letters: no replay of a letter whose death was acted on', function () {
  this.timeout(60_000);
  let app: TestApp;
  let sequence = 0;

  before(async () => {
    const env = fullProfileEnv({ DELIVERY_POLL_INTERVAL_MS: '50', DELIVERY_BASE_BACKOFF_MS: '20', DELIVERY_MAX_BACKOFF_MS: '50' });
    delete env.KAFKA_BROKERS;
    app = await startTestApp(env);
    // on_confirm stands for an action the domain reacts to when it dies; on_track has no such reaction here.
    app.ctx.beckn.protocol.handlers.onDeadLetter('on_confirm', async () => undefined);
  });
  after(async () => {
    await app?.close();
  });

  const deadLetter = async (action: string): Promise<string> => {
    sequence += 1;
    const { outbox } = app.ctx.beckn.protocol;
    const id = await outbox.enqueue({
      role: 'bpp',
      action,
      targetUrl: `${await closedPortUrl()}/beckn/bap/${action}`,
      maxAttempts: 1,
      body: becknBody(action, { transactionId: `txn-guard-${sequence}`, messageId: `msg-guard-${sequence}` }),
    });
    await waitUntil(`outbox entry ${id} is dead`, async () => (await outbox.get(id))?.status === 'dead', { timeoutMs: 30_000, intervalMs: 25 });
    return id;
  };
  const replay = async (id: string) => {
    const response = await fetch(`${app.baseUrl}/admin/dead-letters/${id}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.ctx.config.secrets.adminToken}` },
    });
    return { status: response.status, body: (await response.json()) as { id?: string; status?: string; error?: { code: string; message: string } } };
  };

  it('answers 409 for a dead on_confirm the domain reacted to, and leaves it dead', async () => {
    const id = await deadLetter('on_confirm');
    const answer = await replay(id);
    assert.equal(answer.status, 409, JSON.stringify(answer.body));
    assert.match(answer.body.error?.message ?? '', /already acted on/);
    assert.equal((await app.ctx.beckn.protocol.outbox.get(id))?.status, 'dead');
  });

  it('replays a dead letter nobody reacted to', async () => {
    const id = await deadLetter('on_track');
    const answer = await replay(id);
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, { id, status: 'pending' });
  });
});
