import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { buildAuditSinkApp } from '../../src/audit/sink/sink-app.js';
import { drain, listen } from '../../src/infra/http/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createMetrics } from '../../src/infra/metrics/index.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import { fullProfileEnv, startTestApp, type TestApp } from '../support/test-app.js';
import { mapLimit } from './support/concurrency.js';

/** POSTs `bytes` as a JSON body on a fresh connection and reads the answer even when the server answers before reading it all. */
function postBytes(baseUrl: string, method: string, path: string, bytes: Buffer, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const req = request(baseUrl + path, { method, headers: { 'content-type': 'application/json', 'content-length': String(bytes.length), connection: 'close', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
      res.on('error', reject);
    });
    // The server may answer 413 and close before it read the whole body: the answer still arrives.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.end(bytes);
  });
}

/** A JSON object of exactly `size` bytes. */
const jsonOfSize = (size: number) => {
  const head = '{"filler":"';
  const tail = '"}';
  return Buffer.from(head + 'a'.repeat(size - head.length - tail.length) + tail);
};

describe('limits: per-token REST rate limit, body size on every route, /metrics behind METRICS_TOKEN', function () {
  this.timeout(120_000);
  const bodyLimit = 4096;
  const metricsToken = randomBytes(24).toString('base64url');
  let app: TestApp;

  before(async () => {
    app = await startTestApp(fullProfileEnv({ API_RATE_LIMIT_PER_MINUTE: '30', HTTP_BODY_LIMIT_BYTES: String(bodyLimit), METRICS_TOKEN: metricsToken }));
  });
  after(async () => {
    await app?.close();
  });

  it('answers a token past API_RATE_LIMIT_PER_MINUTE 429 JSON with Retry-After; other tokens go on', async () => {
    const admin = app.ctx.config.secrets.adminToken;
    const get = async (token: string) => {
      const response = await fetch(`${app.baseUrl}/provider/merchants`, { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, retryAfter: response.headers.get('retry-after'), type: response.headers.get('content-type') ?? '', body: (await response.json()) as any };
    };
    const answers = await mapLimit(Array.from({ length: 36 }, (_, i) => i), 6, () => get(admin));
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 200).length, 30, `30 within the limit: ${statuses.join(',')}`);
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(refused.length, 6);
    for (const r of refused) {
      assert.match(r.type, /application\/json/);
      assert.equal(r.body.error.code, 'RATE_LIMITED');
      assert.ok(Number(r.retryAfter) >= 1 && Number(r.retryAfter) <= 60, `Retry-After ${r.retryAfter}`);
    }
    // A wrong token is counted under its own key: it is refused by authentication, not by the admin's budget.
    assert.equal((await get(randomBytes(24).toString('base64url'))).status, 401);
    // The limit is per token: the auditor's budget is untouched.
    const audit = await fetch(`${app.baseUrl}/audit/messages?limit=1`, { headers: { authorization: `Bearer ${app.ctx.config.secrets.auditorToken}` } });
    assert.equal(audit.status, 200);
    console.log(`      rate limit: 36 requests with one token, ${statuses.filter((s) => s === 200).length} answered 200, ${refused.length} 429 (Retry-After ${refused[0]?.retryAfter} s)`);
  });

  it('answers 413 JSON to a body over HTTP_BODY_LIMIT_BYTES on every POST and PUT route of /openapi.json and every Beckn endpoint', async () => {
    const document = (await (await fetch(`${app.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const targets = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods)
        .filter((m) => m === 'post' || m === 'put' || m === 'patch')
        .map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'action' ? 'search' : name === 'gateway' ? 'juspay' : randomUUID())) })),
    );
    targets.push({ method: 'POST', path: '/beckn/bap/on_search' });
    const tooBig = jsonOfSize(bodyLimit + 1);
    const justFits = jsonOfSize(bodyLimit);
    const answers = await mapLimit(targets, 4, async (t) => ({ ...t, over: await postBytes(app.baseUrl, t.method, t.path, tooBig), at: await postBytes(app.baseUrl, t.method, t.path, justFits) }));
    const wrong = answers.flatMap((a) => [
      ...(a.over.status === 413 && /json/.test(a.over.type) ? [] : [`${a.method} ${a.path} over the limit: ${a.over.status} ${a.over.type} ${a.over.body.slice(0, 120)}`]),
      ...(a.at.status === 413 || a.at.status >= 500 ? [`${a.method} ${a.path} at the limit: ${a.at.status} ${a.at.body.slice(0, 120)}`] : []),
    ]);
    assert.deepEqual(wrong, []);
    assert.ok(targets.length >= 30, `${targets.length} routes`);
    console.log(`      body limit: ${targets.length} POST/PUT routes, ${bodyLimit + 1} bytes answered 413 JSON on each, ${bodyLimit} bytes never 413`);
  });

  it('answers /metrics only with the METRICS_TOKEN bearer when it is set (401 JSON otherwise)', async () => {
    const metrics = (authorization?: string) => fetch(`${app.baseUrl}/metrics`, authorization ? { headers: { authorization } } : {});
    const none = await metrics();
    assert.equal(none.status, 401);
    assert.ok(none.headers.get('www-authenticate')?.startsWith('Bearer'));
    assert.equal(((await none.json()) as any).error.code, 'UNAUTHORIZED');
    assert.equal((await metrics(`Bearer ${app.ctx.config.secrets.auditorToken}`)).status, 401, 'another token does not open it');
    const ok = await metrics(`Bearer ${metricsToken}`);
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /beckn_ride_http_requests_total/);
    const document = (await (await fetch(`${app.baseUrl}/openapi.json`)).json()) as any;
    assert.deepEqual(document.paths['/metrics'].get.security, [{ metricsToken: [] }]);
  });

  it("the audit sink's /metrics too", async () => {
    const logger = createLogger('silent');
    const serve = async (token: string | null) => {
      const sinkApp = buildAuditSinkApp({ readiness: {}, readinessTimeoutMs: 1000, isDraining: () => false, metrics: createMetrics(), metricsToken: token, logger });
      return listen(sinkApp, 0, '127.0.0.1');
    };
    const closed = await serve(null);
    const guarded = await serve(metricsToken);
    try {
      assert.equal((await fetch(`http://127.0.0.1:${closed.port}/metrics`)).status, 200, 'open when METRICS_TOKEN is unset');
      assert.equal((await fetch(`http://127.0.0.1:${guarded.port}/metrics`)).status, 401);
      assert.equal((await fetch(`http://127.0.0.1:${guarded.port}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).status, 200);
    } finally {
      await drain(closed.server, 1000);
      await drain(guarded.server, 1000);
    }
  });
});

describe('limits: Beckn messages per subscriber (BECKN_RATE_LIMIT_PER_MINUTE)', function () {
  this.timeout(120_000);
  let net: BecknHarness;

  before(async () => {
    net = await startBecknHarness({ env: { BECKN_RATE_LIMIT_PER_MINUTE: '8' } });
  });
  after(async () => {
    await net?.close();
  });

  it('answers a subscriber past its limit 429 NACK while another subscriber is still answered', async () => {
    const search = () => ({
      context: { domain: 'ONDC:TRV10', version: '2.0.1', action: 'search', location: { city: { code: 'std:080' }, country: { code: 'IND' } }, ...net.toOurBpp() },
      message: { intent: { fulfillment: { stops: [{ type: 'START', location: { gps: '12.97, 77.59' } }, { type: 'END', location: { gps: '12.98, 77.6' } }] } } },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1) statuses.push((await net.bap.post(`${net.ourBpp.url}/search`, search())).status);
    assert.deepEqual(statuses.slice(0, 8).filter((s) => s === 429), [], `within the limit: ${statuses.join(',')}`);
    assert.deepEqual(statuses.slice(8), [429, 429], `past the limit: ${statuses.join(',')}`);
    const last = await net.bap.post(`${net.ourBpp.url}/search`, search());
    assert.equal(last.status, 429);
    assert.equal(last.body.error.code, '30000');
    // The fake BPP is another subscriber: its budget is its own.
    const other = await net.bpp.post(`${net.ourBap.url}/on_search`, {
      context: { domain: 'ONDC:TRV10', version: '2.0.1', action: 'on_search', bap_id: net.ourBap.id, bap_uri: net.ourBap.url, bpp_id: net.bpp.subscriberId, bpp_uri: net.bpp.url, transaction_id: randomUUID(), message_id: randomUUID(), timestamp: new Date().toISOString(), ttl: 'PT30S', location: { city: { code: 'std:080' }, country: { code: 'IND' } } },
      message: { catalog: { descriptor: { name: 'x' }, providers: [] } },
    });
    assert.notEqual(other.status, 429, JSON.stringify(other.body));
    console.log(`      beckn rate limit: 11 signed searches from one subscriber, statuses ${statuses.join(',')},${last.status}; another subscriber ${other.status}`);
  });
});
