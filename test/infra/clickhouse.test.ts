import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkClickHouse,
  createClickHouse,
  ensureDatabase,
  runClickHouseMigrations,
  type ClickHouseClient,
} from '../../src/infra/clickhouse/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { testServices, uniqueTestName } from '../support/services.js';

const quiet = createLogger('silent');
const { clickhouseUrl: url, clickhouseDatabase } = testServices;

async function databaseExists(client: ClickHouseClient, name: string): Promise<boolean> {
  const result = await client.query({ query: `SELECT name FROM system.databases WHERE name = '${name}'`, format: 'JSONEachRow' });
  return (await result.json()).length === 1;
}

async function migrationNames(client: ClickHouseClient): Promise<string[]> {
  const result = await client.query({ query: 'SELECT name FROM schema_migrations ORDER BY name', format: 'JSONEachRow' });
  return (await result.json<{ name: string }>()).map((row) => row.name);
}

/** Seconds between each recorded migration and now, by the server's clock. */
async function migrationAges(client: ClickHouseClient): Promise<number[]> {
  const result = await client.query({
    query: 'SELECT toUInt32(now() - applied_at) AS age FROM schema_migrations',
    format: 'JSONEachRow',
  });
  return (await result.json<{ age: number }>()).map((row) => row.age);
}

describe('ClickHouse adapter against the real server', function () {
  this.timeout(60_000);

  let client: ClickHouseClient;

  before(async () => {
    await ensureDatabase(url, clickhouseDatabase);
    client = createClickHouse({ url, database: clickhouseDatabase });
  });

  after(async () => {
    await client.close();
  });

  it('ensureDatabase creates a missing database and accepts a second call', async () => {
    const database = uniqueTestName('ch_db');
    try {
      await ensureDatabase(url, database);
      await ensureDatabase(url, database);
      assert.equal(await databaseExists(client, database), true);
    } finally {
      await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    }
  });

  it('reads back exactly the rows inserted as JSONEachRow', async () => {
    const table = uniqueTestName('ch_rows');
    const rows = [
      { id: 1, transaction_id: 'txn-1', action: 'search', payload: '{"intent":{"fulfillment":{}}}', received_at: '2025-01-02 03:04:05' },
      { id: 2, transaction_id: 'txn-1', action: 'on_search', payload: 'quote "ü" \\ line\nbreak', received_at: '2025-01-02 03:04:06' },
      { id: 3, transaction_id: 'txn-2', action: 'select', payload: '', received_at: '2025-12-31 23:59:59' },
    ];
    await client.command({
      query: `CREATE TABLE ${table} (id UInt32, transaction_id String, action String, payload String, received_at DateTime)
              ENGINE = MergeTree() ORDER BY id`,
    });
    try {
      await client.insert({ table, values: rows, format: 'JSONEachRow' });
      const result = await client.query({ query: `SELECT * FROM ${table} ORDER BY id`, format: 'JSONEachRow' });
      assert.deepEqual(await result.json(), rows);
    } finally {
      await client.command({ query: `DROP TABLE IF EXISTS ${table}` });
    }
  });

  describe('runClickHouseMigrations', () => {
    // Its own database, so the schema_migrations rows of this test never meet real migrations.
    const database = uniqueTestName('ch_migrations');
    let migrationClient: ClickHouseClient;
    let dir: string;

    before(async () => {
      await ensureDatabase(url, database);
      migrationClient = createClickHouse({ url, database });
      dir = await mkdtemp(join(tmpdir(), 'beckn-ride-ch-migrations-'));
      await writeFile(
        join(dir, '0001-create-events.sql'),
        'CREATE TABLE events (id UInt32, name String) ENGINE = MergeTree() ORDER BY id;\n',
      );
      await writeFile(join(dir, '0002-add-source.sql'), "ALTER TABLE events ADD COLUMN source String DEFAULT 'bap'\n");
      await writeFile(join(dir, 'notes.txt'), 'not a migration');
    });

    after(async () => {
      await migrationClient.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await migrationClient.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('applies each .sql file once in name order and nothing on a second run', async () => {
      assert.deepEqual(await runClickHouseMigrations(migrationClient, dir, quiet), [
        '0001-create-events.sql',
        '0002-add-source.sql',
      ]);
      assert.deepEqual(await runClickHouseMigrations(migrationClient, dir, quiet), []);
      for (const age of await migrationAges(migrationClient)) assert.ok(age < 600, `applied_at is ${age} s ago`);

      const columns = await migrationClient.query({
        query: "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'events' ORDER BY name",
        format: 'JSONEachRow',
      });
      assert.deepEqual(await columns.json(), [
        { name: 'id', type: 'UInt32' },
        { name: 'name', type: 'String' },
        { name: 'source', type: 'String' },
      ]);
    });

    it('rejects with the failing file name and does not record it', async () => {
      await writeFile(join(dir, '0003-broken.sql'), 'CREATE TABLE broken (id UInt32');

      await assert.rejects(runClickHouseMigrations(migrationClient, dir, quiet), /0003-broken\.sql/);

      assert.deepEqual(await migrationNames(migrationClient), ['0001-create-events.sql', '0002-add-source.sql']);
    });
  });

  describe('checkClickHouse', () => {
    it('resolves against the running server', async () => {
      await checkClickHouse(client);
    });

    it('rejects when the client database does not exist', async () => {
      const missing = createClickHouse({ url, database: uniqueTestName('ch_missing') });
      try {
        await assert.rejects(checkClickHouse(missing), /ClickHouse unreachable/);
      } finally {
        await missing.close();
      }
    });

    it('rejects when nothing listens', async () => {
      const closed = createClickHouse({ url: 'http://127.0.0.1:1', database: clickhouseDatabase });
      try {
        await assert.rejects(checkClickHouse(closed, 2_000), /ClickHouse unreachable: .*ECONNREFUSED/);
      } finally {
        await closed.close();
      }
    });
  });
});
