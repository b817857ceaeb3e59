import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataTypes, QueryTypes, type Sequelize } from 'sequelize';
import { createLogger } from '../../src/infra/logging/logger.js';
import {
  MIGRATION_LOCK_KEY,
  checkPostgres,
  createSequelize,
  pendingMigrations,
  poolStats,
  runMigrations,
  startEmbeddedPostgres,
} from '../../src/infra/postgres/index.js';
import { uniqueTestName } from '../support/services.js';
import { waitUntil } from '../support/wait-until.js';
import { embeddedBackend, serverBackend, type FreshDatabase, type PostgresBackend } from './postgres-backends.js';

const logger = createLogger('silent');
const SCHEMAS = ['atlas_app', 'atlas_driver_offer_bpp'];

async function schemasPresent(sequelize: Sequelize): Promise<string[]> {
  const rows = await sequelize.query<{ nspname: string }>(
    'SELECT nspname FROM pg_namespace WHERE nspname = ANY($1) ORDER BY nspname',
    { bind: [SCHEMAS], type: QueryTypes.SELECT },
  );
  return rows.map((row) => row.nspname);
}

async function recordedMigrations(sequelize: Sequelize): Promise<string[]> {
  const rows = await sequelize.query<{ name: string }>('SELECT name FROM public.beckn_ride_migrations ORDER BY name', {
    type: QueryTypes.SELECT,
  });
  return rows.map((row) => row.name);
}

/** Advisory locks on the migration key held by any session on this database. */
async function migrationLocksHeld(sequelize: Sequelize, granted: boolean): Promise<number> {
  const [row] = await sequelize.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks
      WHERE locktype = 'advisory' AND objsubid = 1 AND granted = $3
        AND classid::bigint = $1 AND objid::bigint = $2
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    {
      bind: [(MIGRATION_LOCK_KEY >> 32n).toString(), (MIGRATION_LOCK_KEY & 0xffffffffn).toString(), granted],
      type: QueryTypes.SELECT,
    },
  );
  return row?.n ?? -1;
}

/** Writes migration files that need no imports, so they load from any folder. */
async function writeMigrations(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const signature = '{ context }: { context: { sequelize: { query(sql: string): Promise<unknown> } } }';
  for (const [file, upBody] of Object.entries(files)) {
    const source = `export async function up(${signature}): Promise<void> {\n  ${upBody}\n}\n` +
      `export async function down(${signature}): Promise<void> {}\n`;
    await writeFile(join(dir, file), source);
  }
}

function sharedCases(backend: PostgresBackend): void {
  describe(`postgres access on ${backend.name}`, function () {
    this.timeout(60_000);
    let database: FreshDatabase;
    let opened: Sequelize[] = [];
    const open = (poolMax = 4): Sequelize => {
      const sequelize = createSequelize({ url: database.url, logger, poolMax, applicationName: 'beckn-ride-test' });
      opened.push(sequelize);
      return sequelize;
    };

    before(() => backend.setUp());
    after(() => backend.tearDown());
    beforeEach(async () => {
      database = await backend.freshDatabase();
    });
    afterEach(async () => {
      await Promise.all(opened.map((sequelize) => sequelize.close()));
      opened = [];
      await database.dispose();
    });

    it('applies 0001-create-schemas on an empty database, creating both schemas', async () => {
      const sequelize = open();
      const pending = await pendingMigrations({ sequelize, logger });
      assert.ok(pending.includes('0001-create-schemas'), `pending: ${pending.join(', ')}`);
      assert.deepEqual(await schemasPresent(sequelize), []);

      assert.deepEqual(await runMigrations({ sequelize, logger }), pending);

      assert.deepEqual(await schemasPresent(sequelize), SCHEMAS);
      assert.deepEqual(await recordedMigrations(sequelize), pending);
      assert.deepEqual(await pendingMigrations({ sequelize, logger }), []);
    });

    it('applies nothing on a second run', async () => {
      const sequelize = open();
      const first = await runMigrations({ sequelize, logger });
      assert.ok(first.length > 0);
      assert.deepEqual(await runMigrations({ sequelize, logger }), []);
      assert.deepEqual(await recordedMigrations(sequelize), first);
    });

    it('lets two instances migrate concurrently, applying and recording each migration once', async () => {
      const [a, b] = [open(), open()];
      // Both pools hold a live connection, so neither run gets a head start from connecting.
      await Promise.all([checkPostgres(a), checkPostgres(b)]);
      const all = await pendingMigrations({ sequelize: a, logger });
      const [fromA, fromB] = await Promise.all([runMigrations({ sequelize: a, logger }), runMigrations({ sequelize: b, logger })]);
      assert.deepEqual([...fromA, ...fromB].sort(), all);
      assert.deepEqual(await recordedMigrations(b), all);
      assert.deepEqual(await schemasPresent(a), SCHEMAS);
    });

    it('never interleaves concurrent runs, so a migration that fails when repeated still succeeds', async () => {
      const runners = [open(), open(), open()];
      await Promise.all(runners.map((sequelize) => checkPostgres(sequelize)));
      const folder = await mkdtemp(join(tmpdir(), 'beckn-ride-test-migrations-'));
      try {
        const schema = uniqueTestName('race');
        // Plain CREATEs fail if a second run repeats them; the sleeps widen the window for overlap.
        await writeMigrations(folder, {
          '0001-create-schema.ts': `await context.sequelize.query('SELECT pg_sleep(0.2); CREATE SCHEMA ${schema}');`,
          '0002-create-rides.ts': `await context.sequelize.query('SELECT pg_sleep(0.2); CREATE TABLE ${schema}.rides (id int)');`,
          '0003-create-fares.ts': `await context.sequelize.query('CREATE TABLE ${schema}.fares (id int)');`,
        });
        const results = await Promise.all(runners.map((sequelize) => runMigrations({ sequelize, logger, dir: folder })));
        const all = ['0001-create-schema', '0002-create-rides', '0003-create-fares'];
        assert.deepEqual(results.flat().sort(), all);
        assert.deepEqual(await recordedMigrations(runners[0]!), all);
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    });

    it('passes checkPostgres and reports pool counters, counting a connection held by a transaction', async () => {
      const sequelize = open(3);
      await checkPostgres(sequelize);
      const stats = poolStats(sequelize);
      for (const value of Object.values(stats)) assert.equal(typeof value, 'number');
      assert.ok(stats.size >= 1 && stats.size <= 3, `size ${stats.size}`);
      assert.equal(stats.using, 0);
      assert.equal(stats.waiting, 0);
      await sequelize.transaction(async () => {
        assert.equal(poolStats(sequelize).using, 1);
      });
    });

    it('rolls back a failed transaction on a model in a temporary schema and keeps a committed one', async () => {
      const sequelize = open();
      const schema = uniqueTestName('txn');
      await sequelize.createSchema(schema, {});
      const Note = sequelize.define(
        'Note',
        { id: { type: DataTypes.INTEGER, primaryKey: true }, body: { type: DataTypes.TEXT, allowNull: false } },
        { schema, tableName: 'notes', timestamps: false },
      );
      await Note.sync();

      await assert.rejects(
        sequelize.transaction(async (transaction) => {
          await Note.create({ id: 1, body: 'rolled back' }, { transaction });
          assert.equal(await Note.count({ transaction }), 1);
          throw new Error('abort the transaction');
        }),
        /abort the transaction/,
      );
      assert.equal(await Note.count(), 0);

      await sequelize.transaction(async (transaction) => Note.create({ id: 2, body: 'kept' }, { transaction }));
      assert.equal(await Note.count(), 1);
    });

    it('rejects a run whose migration throws, records none of it, and releases the lock', async () => {
      const sequelize = open();
      const folder = await mkdtemp(join(tmpdir(), 'beckn-ride-test-migrations-'));
      try {
        const schema = uniqueTestName('mig');
        const first = `await context.sequelize.query('CREATE SCHEMA IF NOT EXISTS ${schema}');`;
        await writeMigrations(join(folder, 'broken'), {
          '0001-create-schema.ts': first,
          '0002-create-table.ts': "throw new Error('migration 0002 is broken');",
        });
        await writeMigrations(join(folder, 'fixed'), {
          '0001-create-schema.ts': first,
          '0002-create-table.ts': `await context.sequelize.query('CREATE TABLE IF NOT EXISTS ${schema}.rides (id int)');`,
        });

        await assert.rejects(runMigrations({ sequelize, logger, dir: join(folder, 'broken') }), /migration 0002 is broken/);
        assert.deepEqual(await recordedMigrations(sequelize), ['0001-create-schema']);
        assert.equal(await migrationLocksHeld(sequelize, true), 0);

        assert.deepEqual(await runMigrations({ sequelize, logger, dir: join(folder, 'fixed') }), ['0002-create-table']);
        assert.deepEqual(await recordedMigrations(sequelize), ['0001-create-schema', '0002-create-table']);
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    });

    it('refuses a migrations folder holding a misnamed or duplicate-version file', async () => {
      const sequelize = open();
      const folder = await mkdtemp(join(tmpdir(), 'beckn-ride-test-migrations-'));
      try {
        await writeMigrations(join(folder, 'misnamed'), { '0001-ok.ts': '', '2-no-version.ts': '' });
        await writeMigrations(join(folder, 'duplicate'), { '0001-ok.ts': '', '0001-again.ts': '' });
        await assert.rejects(runMigrations({ sequelize, logger, dir: join(folder, 'misnamed') }), /2-no-version\.ts is not named/);
        await assert.rejects(runMigrations({ sequelize, logger, dir: join(folder, 'duplicate') }), /share version 0001/);
        assert.deepEqual(await recordedMigrations(sequelize), []);
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    });

    if (backend.separateSessions) {
      it('waits for the migration lock held by another session before migrating', async () => {
        const sequelize = open();
        const holder = new pg.Client({ connectionString: database.url });
        await holder.connect();
        try {
          await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
          const run = runMigrations({ sequelize, logger });
          await waitUntil('the run waits on the lock', async () => (await migrationLocksHeld(sequelize, false)) === 1, { timeoutMs: 15_000, intervalMs: 50 });
          assert.ok((await pendingMigrations({ sequelize, logger })).includes('0001-create-schemas'));

          await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
          assert.ok((await run).includes('0001-create-schemas'));
          assert.deepEqual(await schemasPresent(sequelize), SCHEMAS);
        } finally {
          await holder.end();
        }
      });
    }
  });
}

sharedCases(serverBackend());
sharedCases(embeddedBackend(logger));

describe('embedded postgres (PGlite) lifecycle', function () {
  this.timeout(90_000);
  let root: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'beckn-ride-test-pglite-life-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates a missing nested dataDir and serves several simultaneous pg connections', async () => {
    const embedded = await startEmbeddedPostgres({ dataDir: join(root, 'nested', 'deeper', 'pglite'), logger });
    const clients = [0, 1, 2].map(() => new pg.Client({ connectionString: embedded.url }));
    try {
      await Promise.all(clients.map((client) => client.connect()));
      const answers = await Promise.all(clients.map((client, i) => client.query<{ n: number }>('SELECT $1::int AS n', [i])));
      assert.deepEqual(answers.map((answer) => answer.rows[0]?.n), [0, 1, 2]);
    } finally {
      await Promise.all(clients.map((client) => client.end()));
      await embedded.close();
    }
  });

  it('keeps data written before close when restarted on the same dataDir', async () => {
    const dataDir = join(root, 'restart');
    const first = await startEmbeddedPostgres({ dataDir, logger });
    const writer = createSequelize({ url: first.url, logger, poolMax: 2 });
    await writer.query('CREATE TABLE kept (note text)');
    await writer.query("INSERT INTO kept VALUES ('survives a restart')");
    await writer.close();
    await first.close();

    const second = await startEmbeddedPostgres({ dataDir, logger });
    const reader = createSequelize({ url: second.url, logger, poolMax: 2 });
    try {
      const rows = await reader.query<{ note: string }>('SELECT note FROM kept', { type: QueryTypes.SELECT });
      assert.deepEqual(rows, [{ note: 'survives a restart' }]);
    } finally {
      await reader.close();
      await second.close();
    }
  });

  it('refuses a second open of a data folder in use, and takes over a lock left by a dead process', async () => {
    const dataDir = join(root, 'locked');
    const first = await startEmbeddedPostgres({ dataDir, logger });
    try {
      await assert.rejects(startEmbeddedPostgres({ dataDir, logger }), /is in use by process \d+/);
    } finally {
      await first.close();
    }
    await writeFile(`${dataDir}.lock`, '999999999');
    const second = await startEmbeddedPostgres({ dataDir, logger });
    await second.close();
  });

  it('makes checkPostgres reject within its timeout once the server is closed', async () => {
    const embedded = await startEmbeddedPostgres({ dataDir: join(root, 'closing'), logger });
    const sequelize = createSequelize({ url: embedded.url, logger, poolMax: 2 });
    try {
      await checkPostgres(sequelize);
      await embedded.close();
      const timeoutMs = 1_500;
      const started = Date.now();
      await assert.rejects(checkPostgres(sequelize, timeoutMs));
      const elapsed = Date.now() - started;
      // The timer bounds the wait; the margin only absorbs a busy event loop.
      assert.ok(elapsed < timeoutMs + 2_000, `rejected after ${elapsed} ms`);
    } finally {
      await sequelize.close();
    }
  });
});
