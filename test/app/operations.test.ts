import assert from 'node:assert/strict';
import { createClickHouse, checkClickHouse } from '../../src/infra/clickhouse/index.js';
import { toOpenApiPath } from '../../src/infra/openapi/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-until.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  name: string;
  handle: { stack?: unknown[] };
}

/** Reads back what Express actually mounted, independent of the route table. */
function mountedRoutes(app: TestApp): string[] {
  const stack = (app.app as unknown as { router: { stack: Layer[] } }).router.stack;
  const mounted: string[] = [];
  for (const layer of stack) {
    assert.ok(!layer.handle.stack, 'routes are mounted flat on the app, never through a nested router');
    if (!layer.route) continue;
    for (const method of Object.keys(layer.route.methods)) mounted.push(`${method} ${toOpenApiPath(layer.route.path)}`);
  }
  return mounted.sort();
}

describe('operations routes (full profile, real services)', function () {
  this.timeout(60_000);
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app?.close();
  });

  it('reports live', async () => {
    const response = await fetch(`${app.baseUrl}/health/live`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  it('reports ready with a passing check for each real dependency', async () => {
    const response = await fetch(`${app.baseUrl}/health/ready`);
    const body = (await response.json()) as { status: string; checks: Record<string, { status: string }> };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.status, 'ready');
    assert.deepEqual(Object.keys(body.checks).sort(), ['business_event_relay', 'clickhouse', 'correlation_store', 'kafka', 'message_log_spool', 'postgres']);
    for (const check of Object.values(body.checks)) assert.equal(check.status, 'ok');
  });

  it('answers 503 naming the failing dependency, and 503 while draining', async () => {
    const unreachable = createClickHouse({ url: 'http://127.0.0.1:1', database: 'default', requestTimeoutMs: 1_000 });
    app.ctx.readiness.clickhouse_replica = () => checkClickHouse(unreachable);
    try {
      const response = await fetch(`${app.baseUrl}/health/ready`);
      const body = (await response.json()) as { failing: string[]; checks: Record<string, { status: string; error?: string }> };
      assert.equal(response.status, 503);
      assert.deepEqual(body.failing, ['clickhouse_replica']);
      assert.equal(body.checks.clickhouse_replica?.status, 'failing');
      assert.ok(body.checks.clickhouse_replica?.error);
    } finally {
      delete app.ctx.readiness.clickhouse_replica;
      await unreachable.close();
    }
    app.ctx.lifecycle.draining = true;
    try {
      const response = await fetch(`${app.baseUrl}/health/ready`);
      assert.equal(response.status, 503);
      assert.deepEqual(((await response.json()) as { failing: string[] }).failing, ['shutdown']);
    } finally {
      app.ctx.lifecycle.draining = false;
    }
  });

  it('exposes Prometheus metrics that count requests by route and status', async () => {
    await fetch(`${app.baseUrl}/health/live`);
    await fetch(`${app.baseUrl}/nowhere`);
    // A request is counted when its response has finished, which may trail the client reading it.
    const text = await waitFor('both requests are counted', async () => {
      const response = await fetch(`${app.baseUrl}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
      const exposition = await response.text();
      const counted = [/route="\/health\/live",action="none",status="200"\} [1-9]/, /route="unmatched",action="none",status="404"\} [1-9]/];
      return counted.every((series) => series.test(exposition)) ? exposition : undefined;
    });
    assert.match(text, /beckn_ride_http_requests_total\{route="\/health\/live",action="none",status="200"\} [1-9]/);
    assert.match(text, /beckn_ride_http_requests_total\{route="unmatched",action="none",status="404"\} [1-9]/);
    assert.match(text, /beckn_ride_http_request_duration_seconds_bucket\{le="0.005",route="\/health\/live"/);
    assert.match(text, /beckn_ride_db_pool_connections\{pool="postgres",state="size"\} \d+/);
    assert.match(text, /beckn_ride_queue_depth\{queue="scheduler"\} \d+/);
    for (const series of ['beckn_ride_signature_failures_total', 'beckn_ride_schema_failures_total', 'beckn_ride_scheduler_lag_seconds', 'process_cpu_seconds_total']) {
      assert.ok(text.includes(`# TYPE ${series}`), `${series} is exported`);
    }
  });

  it('documents exactly the mounted routes in /openapi.json', async () => {
    const response = await fetch(`${app.baseUrl}/openapi.json`);
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.equal(document.openapi, '3.1.0');
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
      .sort();
    assert.deepEqual(documented, mountedRoutes(app));
    assert.ok(documented.includes('get /health/ready'));
  });
});
