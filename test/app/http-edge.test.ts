import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startTestApp, type TestApp } from '../support/test-app.js';

async function send(app: TestApp, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) {
  const response = await fetch(`${app.baseUrl}${path}`, { method, body, headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Record<string, any> };
}

describe('HTTP edge (full profile, real services)', function () {
  this.timeout(60_000);
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app?.close();
  });

  it('answers malformed JSON with 400 INVALID_JSON and a request id', async () => {
    const response = await send(app, 'POST', '/health/live', '{"context": ', { 'content-type': 'application/json' });
    assert.equal(response.status, 400);
    assert.equal(response.json().error.code, 'INVALID_JSON');
    assert.equal(response.json().error.request_id, response.headers.get('x-request-id'));
    assert.ok(!response.text.includes('at '), 'no stack trace');
  });

  it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(app.ctx.config.http.bodyLimitBytes + 10) });
    const response = await send(app, 'POST', '/health/live', big, { 'content-type': 'application/json' });
    assert.equal(response.status, 413);
    assert.equal(response.json().error.code, 'PAYLOAD_TOO_LARGE');
  });

  it('answers a non-JSON body with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const response = await send(app, 'POST', '/health/live', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(response.status, 415);
    assert.equal(response.json().error.code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers an unknown route with 404 ROUTE_NOT_FOUND in JSON', async () => {
    const response = await send(app, 'GET', '/no/such/route');
    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(response.json().error.code, 'ROUTE_NOT_FOUND');
  });

  it('answers malformed percent-encoding in a path parameter with 400, not 500', async () => {
    const response = await send(app, 'POST', '/beckn/bpp/%E0%A4%A');
    assert.equal(response.status, 400);
    assert.equal(response.json().error.code, 'VALIDATION_FAILED');
  });

  it('checks the bearer token of a protected route before its input: 401, not 400', async () => {
    const operator = await send(app, 'POST', '/provider/merchants', '{"bogus":true}', { 'content-type': 'application/json' });
    assert.equal(operator.status, 401);
    assert.equal(operator.json().error.code, 'UNAUTHORIZED');
    const audit = await send(app, 'GET', '/audit/messages?limit=not-a-number');
    assert.equal(audit.status, 401);
    const registryAdmin = await send(app, 'POST', '/registry/subscribers/x/y/status', '{}', { 'content-type': 'application/json' });
    assert.equal(registryAdmin.status, 401);
  });

  it('answers a known path with the wrong method with 405 and Allow', async () => {
    const response = await send(app, 'DELETE', '/health/ready');
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'GET');
    assert.equal(response.json().error.code, 'METHOD_NOT_ALLOWED');
  });

  it('keeps a sane caller request id and replaces a hostile one', async () => {
    const kept = await send(app, 'GET', '/health/live', undefined, { 'x-request-id': 'caller-id-123' });
    assert.equal(kept.headers.get('x-request-id'), 'caller-id-123');
    const replaced = await send(app, 'GET', '/health/live', undefined, { 'x-request-id': 'bad id with spaces' });
    assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('survives a client that disconnects mid-body and keeps serving', async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${app.baseUrl}/health/live`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '1000' },
      });
      req.on('error', () => resolve());
      req.write('{"a":');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    assert.equal((await send(app, 'GET', '/health/live')).status, 200);
  });
});
