import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fullProfileEnv, startTestApp, type TestApp } from '../support/test-app.js';

describe('request logging', function () {
  this.timeout(60_000);
  const lines: Record<string, unknown>[] = [];
  let app: TestApp;

  before(async () => {
    const destination = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
    app = await startTestApp(fullProfileEnv({ LOG_LEVEL: 'info' }), {}, destination);
  });
  after(async () => {
    await app?.close();
  });

  it('writes one JSON line per request carrying its request id and the Beckn transaction_id', async () => {
    const transactionId = randomUUID();
    const response = await fetch(`${app.baseUrl}/health/live`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'log-test-1' },
      body: JSON.stringify({ context: { transaction_id: transactionId } }),
    });
    assert.equal(response.status, 405);
    const line = lines.find((entry) => entry.request_id === 'log-test-1');
    assert.ok(line, 'the request was logged');
    assert.equal(line.transaction_id, transactionId);
    assert.equal(line.msg, 'request completed');
    assert.equal(line.status, 405);
    assert.equal(line.level, 'info');
    assert.equal(line.service, 'beckn-ride');
  });

  it('ignores a transaction_id that is not a UUID rather than logging arbitrary input', async () => {
    await fetch(`${app.baseUrl}/health/live`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'log-test-2' },
      body: JSON.stringify({ context: { transaction_id: 'x\ny' } }),
    });
    const line = lines.find((entry) => entry.request_id === 'log-test-2');
    assert.ok(line);
    assert.equal(line.transaction_id, undefined);
  });
});
