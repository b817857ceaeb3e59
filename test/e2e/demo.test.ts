import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemoProcess, startEmbeddedDemoService, stopServiceProcess } from '../support/embedded-demo.js';
import type { ServiceProcess } from '../support/service-process.js';

/** `npm start` then `npm run demo`, as a newcomer would run them: the embedded profile, one process, a whole ride. */
describe('the embedded profile and the demo ride', function () {
  this.timeout(300_000);
  let service: ServiceProcess;
  const dataDir = mkdtempSync(join(tmpdir(), 'beckn-ride-test-demo-'));

  before(async () => {
    service = await startEmbeddedDemoService(dataDir);
  });
  after(async () => {
    await stopServiceProcess(service);
  });

  it('`npm run demo` performs a complete ride through the REST APIs and prints the Beckn messages and the audit timeline', async () => {
    const { code, stdout, stderr } = await runDemoProcess(service, dataDir);
    assert.equal(code, 0, `${stdout}\n${stderr}\n--- service ---\n${service.output().slice(-4000)}`);
    for (const expected of ['AWAITING_PAYMENT', 'payment CHARGED', 'CONFIRMED (payment PAID)', 'payout ', 'earnings: ', 'RIDE_ARRIVED_PICKUP', 'RIDE_STARTED', 'COMPLETED, final fare', 'rated 5', 'Audit timeline of transaction']) {
      assert.ok(stdout.includes(expected), `demo output names ${expected}:\n${stdout}`);
    }
    for (const action of ['search', 'on_search', 'select', 'on_select', 'init', 'on_init', 'confirm', 'on_confirm', 'on_status', 'rating', 'on_rating']) {
      assert.match(stdout, new RegExp(` ${action} +(inbound|outbound)`), `the timeline shows ${action}`);
    }
    assert.match(stdout, /last 24 h in std:080: [1-9]\d* searches, [1-9]\d* bookings, [1-9]\d* completed, fare total \d+\.\d{2} INR/, 'the analytics count the ride');
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines.at(-1), `Operator dashboard: ${service.baseUrl}/dashboard (sign in with the admin token, ADMIN_TOKEN in ${join(dataDir, 'secrets.json')})`, 'the demo ends with the dashboard address');
  });
});
