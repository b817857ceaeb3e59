import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { waitUntil } from '../support/wait-until.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** `npm start` then `npm run demo`, as a newcomer would run them: the embedded profile, one process, a whole ride. */
describe('the embedded profile and the demo ride', function () {
  this.timeout(300_000);
  let service: ServiceProcess;
  const dataDir = mkdtempSync(join(tmpdir(), 'beckn-ride-test-demo-'));

  before(async () => {
    // PORT=0: the service picks its port before its roles register their URLs.
    service = await startServiceProcess({ PORT: '0', DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '10000' });
    await waitUntil('the demo network is seeded', () => service.output().includes('Demo operator and simulated drivers are ready'), { timeoutMs: 120_000, intervalMs: 200 }).catch(
      (error: Error) => {
        throw new Error(`${error.message}:\n${service.output()}`);
      },
    );
  });
  after(async () => {
    if (service?.child.exitCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });

  it('`npm run demo` performs a complete ride through the REST APIs and prints the Beckn messages and the audit timeline', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/demo/demo.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DEMO_URL: service.baseUrl, DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, `${stdout}\n${stderr}\n--- service ---\n${service.output().slice(-4000)}`);
    for (const expected of ['AWAITING_PAYMENT', 'payment CHARGED', 'CONFIRMED (payment PAID)', 'payout ', 'earnings: ', 'RIDE_ARRIVED_PICKUP', 'RIDE_STARTED', 'COMPLETED, final fare', 'rated 5', 'Audit timeline of transaction']) {
      assert.ok(stdout.includes(expected), `demo output names ${expected}:\n${stdout}`);
    }
    for (const action of ['search', 'on_search', 'select', 'on_select', 'init', 'on_init', 'confirm', 'on_confirm', 'on_status', 'rating', 'on_rating']) {
      assert.match(stdout, new RegExp(` ${action} +(inbound|outbound)`), `the timeline shows ${action}`);
    }
  });
});
