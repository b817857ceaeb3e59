import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { waitFor, waitUntil } from '../support/wait-until.js';
import { startCallbackSink, startClusteredService, workerRequests, type CallbackSink, type ClusteredService } from './workers-rig.js';

interface WorkerLine {
  worker: number;
  workerPid: number;
  msg: string;
}

/** The primary's log lines about its workers (pino JSON on stdout). */
function workerLines(output: string): WorkerLine[] {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      const parsed = JSON.parse(line) as Partial<WorkerLine>;
      return typeof parsed.workerPid === 'number' && typeof parsed.worker === 'number' ? [parsed as WorkerLine] : [];
    } catch {
      return [];
    }
  });
}

/**
 * WORKERS=2 on the full profile, as a real process: the primary forks two
 * workers sharing the port and the stores. Signed searches spread over both,
 * each gets one on_search (no job done twice), a killed worker is replaced,
 * and SIGTERM drains both and exits 0.
 */
describe('worker processes (WORKERS=2)', function () {
  this.timeout(300_000);
  let sink: CallbackSink;
  let rig: ClusteredService;
  let sql: pg.Client;

  const pending = async () => {
    const { rows } = await sql.query<{ inbox: string; outbox: string }>(
      `SELECT (SELECT count(*) FROM beckn_protocol.inbox WHERE status = 'pending') AS inbox,
              (SELECT count(*) FROM beckn_protocol.outbox WHERE status = 'pending') AS outbox`,
    );
    return { inbox: Number(rows[0]?.inbox), outbox: Number(rows[0]?.outbox) };
  };

  /** Sends `count` signed searches, `concurrency` at a time; every one must be ACKed. */
  const searches = async (count: number, concurrency: number): Promise<string[]> => {
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          next += 1;
          const answer = await rig.search();
          assert.equal(answer.status, 200, `search answered ${answer.status}`);
          assert.equal(answer.ack, 'ACK');
          ids.push(answer.transactionId);
        }
      }),
    );
    return ids;
  };

  /** Waits until every search has its callback and nothing is pending, then checks none got two. */
  const exactlyOneCallbackEach = async (ids: string[]) => {
    await waitUntil('every search has its on_search', () => ids.every((id) => (sink.byTransaction().get(id) ?? 0) >= 1), { timeoutMs: 90_000, intervalMs: 200 });
    await waitUntil('the inbox and outbox are empty', async () => {
      const queues = await pending();
      return queues.inbox === 0 && queues.outbox === 0;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    const doubled = ids.filter((id) => sink.byTransaction().get(id) !== 1);
    assert.deepEqual(doubled, [], 'searches answered more than once');
  };

  before(async () => {
    sink = await startCallbackSink();
    rig = await startClusteredService(2, sink);
    sql = new pg.Client({ connectionString: rig.databaseUrl });
    await sql.connect();
  });

  after(async () => {
    await sql?.end().catch(() => undefined);
    await rig?.dispose();
    await sink?.close();
  });

  it('forks two workers, and signed searches reach both, each answered by exactly one on_search', async () => {
    const listening = workerLines(rig.service.output()).filter((line) => line.msg === 'worker listening');
    assert.deepEqual([...new Set(listening.map((line) => line.worker))].sort(), [1, 2]);
    const ids = await searches(60, 8);
    await exactlyOneCallbackEach(ids);
    const perWorker = await workerRequests(rig.baseUrl);
    assert.deepEqual([...perWorker.keys()].sort(), ['1', '2'], 'the service metrics name both workers');
    for (const [worker, count] of perWorker) assert.ok(count > 0, `worker ${worker} answered no request`);
    const metrics = await (await fetch(`${rig.baseUrl}/metrics`)).text();
    assert.match(metrics, /^beckn_ride_workers 2$/m);
    // Summed over both workers: at least every search (other routes count too).
    const searchCount = [...metrics.matchAll(/^beckn_ride_http_requests_total\{[^}]*action="search"[^}]*status="200"[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    assert.ok(searchCount >= 60, `the service metrics count ${searchCount} ACKed searches, expected at least 60`);
  });

  it('replaces a worker that is killed, and searches are still answered', async () => {
    const before = workerLines(rig.service.output()).filter((line) => line.msg === 'worker listening' && line.worker === 2).at(-1);
    assert.ok(before, 'worker 2 was listening');
    process.kill(before.workerPid, 'SIGKILL');
    const replacement = await waitFor(
      'a new worker 2 listening',
      () => workerLines(rig.service.output()).find((line) => line.msg === 'worker listening' && line.worker === 2 && line.workerPid !== before.workerPid),
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    assert.notEqual(replacement.workerPid, before.workerPid);
    assert.ok(workerLines(rig.service.output()).some((line) => line.msg === 'worker exited: forking a new one' && line.workerPid === before.workerPid));
    const ids = await searches(30, 6);
    await exactlyOneCallbackEach(ids);
    assert.match(await (await fetch(`${rig.baseUrl}/metrics`)).text(), /^beckn_ride_worker_restarts_total 1$/m);
  });

  it('on SIGTERM every worker drains and the primary exits 0', async () => {
    const ids = await searches(30, 6);
    rig.service.child.kill('SIGTERM');
    const code = await Promise.race([rig.service.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 60_000))]);
    assert.equal(code, 0, rig.service.output().slice(-3000));
    const stopped = workerLines(rig.service.output()).filter((line) => line.msg === 'worker stopped');
    assert.deepEqual(stopped.map((line) => line.worker).sort(), [1, 2]);
    // Every ACKed search was kept: it is in the inbox, handled or waiting for the next start, and none is held by a lease of a worker that is gone.
    const { rows } = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM beckn_protocol.inbox WHERE transaction_id = ANY($1)`, [ids]);
    assert.equal(Number(rows[0]?.n), ids.length);
    const leased = await sql.query(`SELECT id FROM beckn_protocol.inbox WHERE status = 'pending' AND lease_until > now() UNION ALL SELECT id FROM beckn_protocol.outbox WHERE status = 'pending' AND lease_until > now()`);
    assert.equal(leased.rowCount, 0, 'entries still leased by a stopped worker');
  });
});

describe('worker processes that keep failing at start', function () {
  this.timeout(300_000);

  it('stop the service: the primary exits 1 after a slot failed five starts in a row, each restart logged with its backoff', async () => {
    const sink = await startCallbackSink();
    const dataDir = join(mkdtempSync(join(tmpdir(), 'beckn-ride-test-workers-')), 'data');
    mkdirSync(dataDir, { recursive: true });
    // Slot 2's spool is held by a live process (this one): its workers cannot start, slot 1's can.
    writeFileSync(join(dataDir, 'spool-worker-2.lock'), String(process.pid));
    try {
      await assert.rejects(startClusteredService(2, sink, { DATA_DIR: dataDir }), (error: Error) => {
        assert.match(error.message, /service exited with 1 before listening/);
        const lines = workerLines(error.message);
        const restarts = lines.filter((line) => line.msg === 'worker exited: forking a new one');
        assert.equal(restarts.length, 4, 'four restarts, then the fifth failure stops the service');
        assert.ok(restarts.every((line) => line.worker === 2));
        assert.deepEqual(
          restarts.map((line) => (line as unknown as { restartInMs: number }).restartInMs),
          [500, 1000, 2000, 4000],
        );
        assert.ok(lines.some((line) => line.msg === 'workers keep exiting before they listen: stopping the service'));
        return true;
      });
    } finally {
      await sink.close();
    }
  });
});
