import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { waitUntil } from '../support/wait-until.js';

const SHUTDOWN_TIMEOUT_MS = 2_000;
/** The bound, the watchdog's margin, and room for a loaded machine; a process that ignores the bound never gets here. */
const EXIT_WITHIN_MS = SHUTDOWN_TIMEOUT_MS + 15_000;

function embeddedEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'beckn-ride-test-shutdown-')),
    DEMO_NETWORK: 'false',
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    ...extra,
  };
}

/** A request whose body never arrives in full, so the server counts it in flight until the socket goes. */
async function holdRequest(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('POST /health/live HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"he');
  return socket;
}

function hasExited(service: ServiceProcess): boolean {
  return service.child.exitCode !== null || service.child.signalCode !== null;
}

describe('the shutdown bound', function () {
  this.timeout(120_000);
  let service: ServiceProcess | undefined;

  afterEach(() => {
    if (service && !hasExited(service)) service.child.kill('SIGKILL');
    service = undefined;
  });

  it('kills a process whose main thread blocks after SIGTERM, from outside that thread', async () => {
    service = await startServiceProcess(embeddedEnv(), 90_000, 'test/app/fixtures/block-after-sigterm.ts');
    const running = service;
    running.child.kill('SIGTERM');
    await waitUntil('the blocked process exited', () => hasExited(running), { timeoutMs: EXIT_WITHIN_MS, intervalMs: 50 });
    assert.equal(running.child.signalCode, 'SIGKILL', running.output());
    assert.match(running.output(), /shutdown exceeded \d+ ms, killing the process/);
  });

  it('exits at once on a second SIGTERM while the first is still draining a request', async () => {
    service = await startServiceProcess(embeddedEnv({ SHUTDOWN_TIMEOUT_MS: '60000' }));
    const running = service;
    // The held request keeps the drain (and so the first shutdown) waiting.
    const { port } = new URL(running.baseUrl);
    const held = await holdRequest(Number(port));
    const heldErrors: Error[] = [];
    held.on('error', (error) => heldErrors.push(error));
    // Connections are accepted in order: once a later request is answered, the held one left the listen
    // backlog (whose connections a closing listener resets) and is in flight.
    assert.equal((await fetch(`${running.baseUrl}/health/live`)).status, 200);
    running.child.kill('SIGTERM');
    await waitUntil('the service started draining', () => running.output().includes('shutting down: draining in-flight requests') || hasExited(running), {
      timeoutMs: 30_000,
    });
    assert.equal(hasExited(running), false, `exited before a second signal:\n${running.output()}\nheld request: ${heldErrors.join(', ') || 'no error'}`);
    running.child.kill('SIGTERM');
    await waitUntil('the service exited', () => hasExited(running), { timeoutMs: 15_000, intervalMs: 50 });
    held.destroy();
    assert.equal(running.child.exitCode, 1, `${running.output()}\nheld request: ${heldErrors.join(', ') || 'no error'}`);
    assert.match(running.output(), /second signal during shutdown, exiting now/);
  });

  it('still exits after SIGTERM while its stdout is a pipe nobody reads any more', async () => {
    service = await startServiceProcess(embeddedEnv({ LOG_LEVEL: 'debug' }));
    const running = service;
    // Stop reading: the pipe fills (its kernel buffer, then the stream's) and stays full.
    running.child.stdout?.pause();
    running.child.stderr?.pause();
    const fill = Array.from({ length: 2_000 }, () =>
      fetch(`${running.baseUrl}/health/live`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined),
    );
    await Promise.all(fill);
    running.child.kill('SIGTERM');
    await waitUntil('the service exited', () => hasExited(running), { timeoutMs: EXIT_WITHIN_MS, intervalMs: 50 });
    assert.equal(running.child.exitCode, 0, 'a graceful exit, not the watchdog');
  });
});
