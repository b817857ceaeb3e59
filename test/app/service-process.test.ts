import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServiceToExit, startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { waitUntil } from '../support/wait-until.js';

describe('the service process', function () {
  this.timeout(120_000);

  it('stops at start with one line naming a malformed variable', async () => {
    const result = await runServiceToExit({ PORT: 'eighty', DATA_DIR: mkdtempSync(join(tmpdir(), 'beckn-ride-test-')) });
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /^beckn-ride: configuration error: PORT must be integer \(got "eighty"\)$/m);
  });

  describe('on the embedded profile with no service configured', () => {
    let service: ServiceProcess;
    const dataDir = mkdtempSync(join(tmpdir(), 'beckn-ride-test-embedded-'));

    before(async () => {
      service = await startServiceProcess({ PORT: '0', DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '10000' });
    });
    after(() => {
      if (service?.child.exitCode === null) service.child.kill('SIGKILL');
    });

    it('prints its URLs and the secrets it generated, once', () => {
      assert.match(service.output(), /\(embedded profile\) listening on http:\/\/127\.0\.0\.1:\d+/);
      assert.match(service.output(), /ADMIN_TOKEN=\S{24,}/);
    });

    it('is ready with its embedded stores', async () => {
      const response = await fetch(`${service.baseUrl}/health/ready`);
      const body = (await response.json()) as { checks: Record<string, { status: string }> };
      assert.equal(response.status, 200, JSON.stringify(body));
      assert.deepEqual(Object.keys(body.checks).sort(), ['business_event_relay', 'correlation_store', 'postgres']);
    });

    it('on SIGTERM answers the request in flight, then exits 0 within its bound', async () => {
      const { port } = new URL(service.baseUrl);
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      const body = '{"hello":"world"}';
      socket.write(`POST /health/live HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n{"hel`);
      await new Promise((resolve) => setTimeout(resolve, 300));

      const started = Date.now();
      service.child.kill('SIGTERM');
      await waitUntil('the service started draining', () => service.output().includes('shutting down: draining in-flight requests'));
      socket.end(body.slice(5));
      await new Promise((resolve) => socket.once('close', resolve));
      assert.match(answer, /^HTTP\/1\.1 405/, 'the in-flight request got its answer');
      assert.match(answer, /METHOD_NOT_ALLOWED/);

      const code = await service.exited;
      assert.equal(code, 0, service.output());
      assert.ok(Date.now() - started < 10_000);
      assert.match(service.output(), /"msg":"shutdown complete"/);
    });
  });
});
