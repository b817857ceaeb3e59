import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testServices } from '../support/services.js';
import { buildRecords, committedTotal, countFinal, countPhysical, openSinkStores, produce, toMessage, waitFor, type SinkStores } from './sink-support.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = 'test/audit/fixtures/sink-child.ts';

interface SinkChild {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startSinkChild(stores: SinkStores, extra: Record<string, string> = {}): SinkChild {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CLICKHOUSE_URL: testServices.clickhouseUrl,
      CLICKHOUSE_DATABASE: stores.database,
      KAFKA_BROKERS: testServices.kafkaBrokers.join(','),
      TOPIC: stores.topic,
      GROUP_ID: stores.groupId,
      BATCH_SIZE: '50',
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function storedIds(stores: SinkStores): Promise<Set<string>> {
  const result = await stores.clickhouse.query({ query: 'SELECT id FROM beckn_message_log FINAL', format: 'JSONEachRow' });
  return new Set((await result.json<{ id: string }>()).map((row) => row.id));
}

describe('audit sink killed mid-batch (real child processes, Kafka and ClickHouse)', function () {
  this.timeout(300_000);

  let stores: SinkStores;
  const children: SinkChild[] = [];

  before(async () => {
    stores = await openSinkStores('sink_crash');
  });

  after(async () => {
    for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await stores.dispose();
  });

  it('a sink SIGKILLed between an insert and its commit, then restarted, leaves no visible duplicate and no gap', async () => {
    const records = buildRecords(5_000);
    await produce(stores.kafka, stores.topic, records.map(toMessage));

    const first = startSinkChild(stores, { HOLD_AFTER_INSERT: '30' });
    children.push(first);
    await waitFor('the first sink holds after its 30th insert', () => first.output().includes('held after insert 30'), 120_000);

    first.child.kill('SIGKILL');
    assert.equal(await first.exited, null, 'killed by the signal');

    // The state a crash must survive, read once nothing moves it (a second insert may still have been finishing at the hold):
    // rows in ClickHouse whose offsets are not committed yet.
    const rowsAtKill = await countPhysical(stores.clickhouse);
    const committedAtKill = await committedTotal(stores.admin, stores.groupId, stores.topic);
    assert.ok(rowsAtKill > committedAtKill, `rows ${rowsAtKill} must exceed committed offsets ${committedAtKill}`);
    assert.ok(rowsAtKill > 0 && rowsAtKill < records.length, `partially inserted: ${rowsAtKill} rows`);

    const second = startSinkChild(stores);
    children.push(second);
    await waitFor('the restarted sink stored every record', async () => (await countFinal(stores.clickhouse)).rows >= records.length, 240_000);
    await waitFor('the group committed every offset', async () => (await committedTotal(stores.admin, stores.groupId, stores.topic)) === records.length, 60_000);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output());

    // The restart replayed everything after the last commit, the held batch included: duplicates were written.
    const inserted = Number(/stopped after inserting (\d+)/.exec(second.output())?.[1]);
    assert.equal(inserted, records.length - committedAtKill);
    assert.ok(rowsAtKill + inserted > records.length, 'the replay wrote rows already in ClickHouse');

    assert.deepEqual(await countFinal(stores.clickhouse), { rows: 5_000, ids: 5_000 });
    const ids = await storedIds(stores);
    const missing = records.filter((record) => !ids.has(record.id));
    assert.deepEqual(missing.map((record) => record.id), []);
  });
});
