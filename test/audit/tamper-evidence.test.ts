import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createClickHouseAuditStore, sql, type AuditStore } from '../../src/audit/read/index.js';
import {
  publishCheckpoints,
  readCheckpoints,
  recordLeafHash,
  verifyConsistency,
  verifyInclusion,
  type Checkpoint,
} from '../../src/audit/transparency/index.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { decodePrivateKey, generateSigningKeyPair } from '../../src/protocol/signing/index.js';
import { waitUntil } from '../support/wait-until.js';
import { startAuditApi, type AuditApi } from './audit-api-server.js';
import { auditClickHouse, messageRecord, quiet, type AuditClickHouse } from './audit-read-fixtures.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const base = Date.UTC(2031, 8, 3, 10, 0, 0);
const minute = 60_000;
const at = (ms: number) => new Date(ms).toISOString();
const month = `from=${encodeURIComponent('2031-09-01T00:00:00Z')}&to=${encodeURIComponent('2031-10-01T00:00:00Z')}`;

interface VerifierRun {
  code: number;
  lines: string[];
}

describe('tamper evidence of the message log in ClickHouse: signed checkpoints, proofs and npm run verify-log', function () {
  this.timeout(240_000);
  const keys = generateSigningKeyPair();
  const signingKey = decodePrivateKey(keys.privateKeySeed);
  const records = Array.from({ length: 10 }, (_, i) => messageRecord({ started_at: at(base + i * minute), action: i % 2 === 0 ? 'search' : 'on_search' }));
  let clickhouse: AuditClickHouse;
  let store: AuditStore;
  let api: AuditApi;
  let dir: string;
  let first: Checkpoint;
  let second: Checkpoint;

  const publish = (clockMs: number) =>
    publishCheckpoints({ source: store, signingKey, dir: join(dir, 'checkpoints'), intervalMs: 3_600_000, settleMs: 0, logger: quiet, clock: () => new Date(clockMs) });

  const stored = (recordId: string) => store.byId(recordId);
  const remove = async (recordId: string) => {
    await clickhouse.client.command({ query: sql`ALTER TABLE beckn_message_log DELETE WHERE id = ${recordId}`.text });
    await waitUntil(`record ${recordId} deleted`, async () => (await stored(recordId)) === null, { timeoutMs: 30_000, intervalMs: 100 });
  };
  const add = async (record: MessageRecord) => {
    await clickhouse.insert([record]);
    await waitUntil(`record ${record.id} stored`, async () => (await stored(record.id)) !== null, { timeoutMs: 30_000, intervalMs: 100 });
  };

  /** The month exported through the audit API (raw bodies) and checked by the command, as an auditor would. */
  const verifier = async (checkpoints = join(dir, 'checkpoints'), token = api.tokens.pii): Promise<VerifierRun> => {
    const exported = join(dir, `export-${randomUUID()}.ndjson`);
    const response = await api.get(`/audit/export?${month}`, token);
    assert.equal(response.status, 200);
    await writeFile(exported, await response.text());
    const args = ['--import', 'tsx', 'scripts/verify-log.ts', '--export', exported, '--checkpoints', checkpoints, '--public-key', keys.publicKey];
    try {
      const { stdout } = await run(process.execPath, args, { cwd: repo });
      return { code: 0, lines: stdout.trimEnd().split('\n') };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, lines: `${failed.stdout}${failed.stderr}`.trimEnd().split('\n') };
    }
  };
  const kinds = (result: VerifierRun) => result.lines.filter((line) => /^[A-Z_]+ /.test(line) && !line.startsWith('OK') && !line.startsWith('PROBLEMS')).map((line) => line.split(' ')[0]);

  /**
   * What the auditor's proofs say: each record the auditor holds (as first
   * exported) proven in each checkpoint's tree from the API's audit path,
   * and the API's consistency proof between the two checkpoints.
   */
  const proofs = async () => {
    let inclusionFailures = 0;
    for (const checkpoint of [first, second]) {
      for (const record of records.slice(0, checkpoint.tree_size)) {
        const response = await api.get(`/audit/proofs/inclusion?recordId=${record.id}&treeSize=${checkpoint.tree_size}`);
        if (response.status !== 200) {
          assert.ok([404, 409].includes(response.status), `inclusion proof answered ${response.status}`);
          inclusionFailures += 1;
          continue;
        }
        const proof = (await response.json()) as { leaf_index: number; tree_size: number; audit_path: string[] };
        const holds = verifyInclusion(
          recordLeafHash(record),
          proof.leaf_index,
          proof.tree_size,
          proof.audit_path.map((hash) => Buffer.from(hash, 'base64')),
          Buffer.from(checkpoint.root_hash, 'base64'),
        );
        if (!holds) inclusionFailures += 1;
      }
    }
    const response = await api.get(`/audit/proofs/consistency?period=2031-09&first=${first.tree_size}&second=${second.tree_size}`);
    let consistent = false;
    if (response.status === 200) {
      const proof = (await response.json()) as { proof: string[] };
      const hashes = proof.proof.map((hash) => Buffer.from(hash, 'base64'));
      consistent = verifyConsistency(first.tree_size, second.tree_size, hashes, Buffer.from(first.root_hash, 'base64'), Buffer.from(second.root_hash, 'base64'));
    } else assert.equal(response.status, 409);
    return { inclusionFailures, consistent };
  };

  const assertIntact = async () => {
    const result = await verifier();
    assert.equal(result.code, 0, result.lines.join('\n'));
    assert.match(result.lines.at(-1) ?? '', /^OK: 10 records, 2 checkpoints, 2 confirmed, 0 problems$/);
    assert.deepEqual(await proofs(), { inclusionFailures: 0, consistent: true });
  };

  before(async () => {
    clickhouse = await auditClickHouse('audit_tamper');
    store = createClickHouseAuditStore(clickhouse.client);
    await clickhouse.insert(records);
    dir = await mkdtemp(join(tmpdir(), 'beckn-ride-test-tamper-'));
    api = await startAuditApi(store, new Date(base + 30 * 24 * 60 * minute));
    // The first checkpoint covers the six records started before its cutoff, the second all ten.
    const [early] = await publish(base + 5 * minute + 1);
    const [late] = await publish(base + 24 * 60 * minute);
    assert.ok(early && 'published' in early && late && 'published' in late);
    first = early.published;
    second = late.published;
  });

  after(async () => {
    await api?.close();
    await clickhouse?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('publishes signed checkpoints of the month a record at a time, kept in <period>.jsonl', async () => {
    assert.equal(first.tree_size, 6);
    assert.equal(second.tree_size, 10);
    assert.equal(first.covers_before, at(base + 5 * minute + 1));
    assert.deepEqual(await readCheckpoints(join(dir, 'checkpoints'), '2031-09'), [first, second]);
    const served = (await (await api.get('/audit/checkpoints?period=2031-09')).json()) as { checkpoints: Checkpoint[] };
    assert.deepEqual(served.checkpoints, [], 'this API was given no checkpoint folder');
  });

  it('an untouched log: the verifier confirms both checkpoints, every inclusion proof and the consistency proof hold', async () => {
    await assertIntact();
    const masked = await verifier(join(dir, 'checkpoints'), api.tokens.auditor);
    assert.equal(masked.code, 0, `the masked export verifies too: ${masked.lines.join('\n')}`);
  });

  it('a deleted record: the verifier reports it missing below both checkpoints, the proofs fail, the publisher refuses to go on', async () => {
    const victim = records[3] as MessageRecord;
    await remove(victim.id);
    const result = await verifier();
    assert.equal(result.code, 1);
    assert.deepEqual(kinds(result), ['RECORDS_MISSING', 'ROOT_MISMATCH', 'RECORDS_MISSING', 'ROOT_MISMATCH', 'NOT_CONSISTENT'], result.lines.join('\n'));
    assert.ok(result.lines.some((line) => line.startsWith('RECORDS_MISSING period=2031-09 tree_size=6') && line.includes('covered=5')));
    const { inclusionFailures, consistent } = await proofs();
    assert.equal(inclusionFailures, 6 + 10);
    assert.equal(consistent, false);
    const [outcome] = await publish(base + 24 * 60 * minute + 1);
    assert.ok(outcome && 'inconsistent' in outcome, 'no checkpoint is published over a log that lost a record');
    assert.equal((await readCheckpoints(join(dir, 'checkpoints'), '2031-09')).length, 2);

    await add(victim);
    await assertIntact();
  });

  it('an inserted record: the verifier reports it added below both checkpoints and the proofs fail', async () => {
    const forged = messageRecord({ started_at: at(base + 2.5 * minute), action: 'search' });
    await add(forged);
    const result = await verifier();
    assert.equal(result.code, 1);
    assert.deepEqual(kinds(result), ['RECORDS_ADDED', 'ROOT_MISMATCH', 'RECORDS_ADDED', 'ROOT_MISMATCH', 'NOT_CONSISTENT'], result.lines.join('\n'));
    const { inclusionFailures, consistent } = await proofs();
    assert.ok(inclusionFailures >= 6, `${inclusionFailures} inclusion proofs failed`);
    assert.equal(consistent, false);

    await remove(forged.id);
    await assertIntact();
  });

  it('two records trading places: the verifier reports the roots changed with nothing missing or added, and the proofs fail', async () => {
    const [a, b] = [records[2] as MessageRecord, records[4] as MessageRecord];
    await remove(a.id);
    await remove(b.id);
    await clickhouse.insert([
      { ...a, started_at: b.started_at, finished_at: b.finished_at },
      { ...b, started_at: a.started_at, finished_at: a.finished_at },
    ]);
    await waitUntil('both moved records stored', async () => (await stored(a.id)) !== null && (await stored(b.id)) !== null, { timeoutMs: 30_000, intervalMs: 100 });
    const result = await verifier();
    assert.equal(result.code, 1);
    assert.deepEqual(kinds(result), ['ROOT_MISMATCH', 'ROOT_MISMATCH', 'NOT_CONSISTENT'], result.lines.join('\n'));
    const { inclusionFailures, consistent } = await proofs();
    assert.ok(inclusionFailures >= 2 * 2, `${inclusionFailures} inclusion proofs failed`);
    assert.equal(consistent, false);

    await remove(a.id);
    await remove(b.id);
    await add(a);
    await add(b);
    await assertIntact();
  });

  it('answers malformed or impossible proof requests with a JSON 4xx', async () => {
    const id = (records[0] as MessageRecord).id;
    const cases: [string, number][] = [
      [`/audit/proofs/inclusion?recordId=${id}&treeSize=0`, 400],
      [`/audit/proofs/inclusion?recordId=${id}&treeSize=1e309`, 400],
      [`/audit/proofs/inclusion?recordId=${id}&treeSize=2.5`, 400],
      [`/audit/proofs/inclusion?recordId=not-a-uuid&treeSize=1`, 400],
      [`/audit/proofs/inclusion?recordId=${randomUUID()}&treeSize=1`, 404],
      [`/audit/proofs/inclusion?recordId=${(records[9] as MessageRecord).id}&treeSize=9`, 409],
      [`/audit/proofs/inclusion?recordId=${id}&treeSize=11`, 409],
      ['/audit/proofs/consistency?period=2031-13&first=1&second=2', 400],
      ['/audit/proofs/consistency?period=0000-01&first=1&second=2', 400],
      ['/audit/proofs/consistency?period=2031-09&first=3&second=2', 400],
      ['/audit/proofs/consistency?period=2031-09&first=1&second=11', 409],
      ['/audit/proofs/consistency?period=2031-09&first=1', 400],
      ["/audit/checkpoints?period=2031-09'%20OR%201=1", 400],
    ];
    for (const [path, status] of cases) {
      const response = await api.get(path);
      assert.equal(response.status, status, path);
      assert.match(response.headers.get('content-type') ?? '', /json/, path);
    }
    assert.equal((await api.get('/audit/proofs/inclusion?recordId=' + id + '&treeSize=1', null)).status, 401);
  });

  it('an altered checkpoint or another key: the verifier refuses its signature', async () => {
    const file = join(dir, 'checkpoints', '2031-09.jsonl');
    const altered = join(dir, 'altered.jsonl');
    await writeFile(altered, (await readFile(file, 'utf8')).replace('"tree_size":6', '"tree_size":5'));
    const result = await verifier(altered);
    assert.equal(result.code, 1);
    assert.deepEqual(kinds(result), ['CHECKPOINT_BAD_SIGNATURE']);

    const otherKey = join(dir, 'other-key.jsonl');
    const stranger = decodePrivateKey(generateSigningKeyPair().privateKeySeed);
    const [forged] = await publishCheckpoints({ source: store, signingKey: stranger, dir: join(dir, 'stranger'), intervalMs: 3_600_000, settleMs: 0, logger: quiet, clock: () => new Date(base + 24 * 60 * minute) });
    assert.ok(forged && 'published' in forged);
    await writeFile(otherKey, `${JSON.stringify(forged.published)}\n`);
    assert.deepEqual(kinds(await verifier(otherKey)), ['CHECKPOINT_BAD_SIGNATURE']);
  });
});
