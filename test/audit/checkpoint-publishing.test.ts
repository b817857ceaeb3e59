import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointPeriods, readCheckpoints, verifyLog, type Checkpoint } from '../../src/audit/transparency/index.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { decodePrivateKey } from '../../src/protocol/signing/index.js';
import { fullProfileEnv, startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor, waitUntil } from '../support/wait-until.js';
import { messageRecord } from './audit-read-fixtures.js';

describe('checkpoints published by the service at AUDIT_CHECKPOINT_INTERVAL_SECONDS over the message log file', function () {
  this.timeout(120_000);
  let app: TestApp;
  let dir: string;
  let logFile: string;
  const logLines: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'beckn-ride-test-checkpoints-'));
    const env = fullProfileEnv({ AUDIT_CHECKPOINT_DIR: dir, AUDIT_CHECKPOINT_INTERVAL_SECONDS: '1', AUDIT_CHECKPOINT_SETTLE_SECONDS: '1', LOG_LEVEL: 'error' });
    // Postgres and Redis real; no Kafka, so the log is the local file the audit API reads.
    delete env.KAFKA_BROKERS;
    delete env.CLICKHOUSE_URL;
    app = await startTestApp(env, {}, { write: (line: string) => void logLines.push(line) });
    logFile = app.ctx.config.beckn.messageLogFile;
  });

  after(async () => {
    await app?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const append = (records: MessageRecord[]) => appendFile(logFile, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
  // Started now and logged at once: within the settle second, before any checkpoint covers their time.
  const logged = (count: number) => {
    const startedMs = Date.now();
    return Array.from({ length: count }, (_, i) => messageRecord({ started_at: new Date(startedMs + i).toISOString() }));
  };
  const all = async (): Promise<Checkpoint[]> => (await Promise.all((await checkpointPeriods(dir)).map((period) => readCheckpoints(dir, period)))).flat();
  const covering = (size: number) =>
    waitFor(`a checkpoint of ${size} records`, async () => ((await all()).some((c) => c.tree_size === size) ? await all() : undefined), { timeoutMs: 20_000, intervalMs: 100 });

  it('publishes on its interval as the log grows, each checkpoint signed by the service key, served to auditors, consistent with the next', async () => {
    const first = logged(5);
    await append(first);
    await covering(5);
    const second = logged(7);
    await append(second);
    const checkpoints = await covering(12);

    const publicKey = Buffer.from(decodePrivateKey(app.ctx.config.secrets.signingPrivateKey).publicKey).toString('base64');
    const records = (await readFile(logFile, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as MessageRecord);
    const result = verifyLog(records, checkpoints, publicKey);
    assert.deepEqual(result.problems, []);
    assert.equal(result.confirmed, checkpoints.length);
    const sizes = checkpoints.map((c) => c.tree_size);
    assert.ok(sizes.includes(5) && sizes.includes(12), `sizes ${sizes.join(',')}`);
    assert.ok(new Set(checkpoints.map((c) => c.timestamp)).size >= 2, 'more than one round ran');

    // A record that reaches the log after a checkpoint covered its time is refused like an insertion.
    const late = messageRecord({ started_at: new Date(Date.parse(checkpoints.at(-1)?.covers_before as string) - 5).toISOString() });
    await append([late]);
    const withLate = verifyLog([...records, late], await all(), publicKey);
    assert.ok(withLate.problems.some((problem) => problem.kind === 'RECORDS_ADDED'));
    const published = (await all()).length;
    await waitUntil('the publisher to refuse the log', () => logLines.some((line) => line.includes('no longer extends its last checkpoint')), { timeoutMs: 20_000, intervalMs: 100 });
    assert.equal((await all()).length, published, 'nothing was published over the late record');

    const period = checkpoints.at(-1)?.period as string;
    const response = await fetch(`${app.baseUrl}/audit/checkpoints?period=${period}`, { headers: { authorization: `Bearer ${app.ctx.config.secrets.auditorToken}` } });
    assert.equal(response.status, 200);
    const served = (await response.json()) as { checkpoints: Checkpoint[] };
    assert.deepEqual(served.checkpoints.slice(0, checkpoints.filter((c) => c.period === period).length), checkpoints.filter((c) => c.period === period));
  });
});
