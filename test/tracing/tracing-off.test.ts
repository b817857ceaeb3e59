import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tracingRequested } from '../../src/infra/tracing/index.js';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { freePort, testSecrets } from '../support/test-app.js';
import { waitFor } from '../support/wait-until.js';

describe('tracing is off unless an OTLP endpoint is set', function () {
  this.timeout(120_000);

  it('asks for tracing only with an endpoint and without OTEL_SDK_DISABLED=true', () => {
    assert.equal(tracingRequested({}), false);
    assert.equal(tracingRequested({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' } as never), false);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), true);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }), true);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }), false);
  });

  describe('a process started with the other OTEL_* variables but no endpoint', () => {
    let db: FreshDatabase;
    let service: ServiceProcess;

    before(async () => {
      db = await freshServerDatabase('trace_off');
      service = await startServiceProcess({
        ...testSecrets(),
        ROLES: 'registry',
        PORT: String(await freePort()),
        DATA_DIR: join(mkdtempSync(join(tmpdir(), 'beckn-ride-test-trace-off-')), 'data'),
        DATABASE_URL: db.url,
        DEMO_NETWORK: 'false',
        LOG_LEVEL: 'info',
        OTEL_SERVICE_NAME: 'beckn-ride-untraced',
        OTEL_TRACES_SAMPLER: 'always_on',
        OTEL_BSP_SCHEDULE_DELAY: '50',
      });
    });

    after(async () => {
      service?.child.kill('SIGTERM');
      await service?.exited;
      await db?.dispose();
    });

    it('continues no trace: the access log line of a call carrying a traceparent has no trace id', async () => {
      // With tracing on, the HTTP instrumentation continues this trace and the line carries its id (trace-across-processes.test.ts).
      const traceId = randomBytes(16).toString('hex');
      const response = await fetch(`${service.baseUrl}/health/live`, { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } });
      assert.equal(response.status, 200);
      const line = await waitFor(
        'the access log line of /health/live',
        () =>
          service
            .output()
            .split('\n')
            .filter((text) => text.startsWith('{'))
            .map((text) => JSON.parse(text) as Record<string, unknown>)
            .find((entry) => entry.msg === 'request completed' && entry.route === '/health/live'),
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      assert.equal(line.trace_id, undefined);
      assert.equal(line.span_id, undefined);
      assert.ok(!service.output().includes(traceId), 'the trace id appears nowhere in the output');
    });
  });
});
