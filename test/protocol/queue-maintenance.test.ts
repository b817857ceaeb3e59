import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createMetrics, type Metrics } from '../../src/infra/metrics/index.js';
import { createSequelize, runMigrations } from '../../src/infra/postgres/index.js';
import { createQueueMaintenance } from '../../src/protocol/index.js';
import { waitUntil } from '../support/wait-until.js';
import { embeddedBackend, serverBackend, type FreshDatabase, type PostgresBackend } from '../infra/postgres-backends.js';

const logger = createLogger('silent');
const HOUR = 3_600_000;

async function counter(metrics: Metrics, name: string, table: string): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return Number((metric?.values as { labels: Record<string, string>; value: number }[] | undefined)?.find((v) => v.labels.table === table)?.value ?? 0);
}

function queueMaintenanceCases(backend: PostgresBackend): void {
  describe(`queue maintenance of the inbox and outbox tables on ${backend.name}`, function () {
    this.timeout(120_000);
    let database: FreshDatabase;
    let sequelize: Sequelize;
    const now = new Date('2026-12-06T12:00:00Z');

    before(async () => {
      await backend.setUp();
      database = await backend.freshDatabase();
      sequelize = createSequelize({ url: database.url, logger, poolMax: 4, applicationName: 'beckn-ride-test' });
      await runMigrations({ sequelize, logger });
    });
    after(async () => {
      await sequelize?.close();
      await database?.dispose();
      await backend.tearDown();
    });
    beforeEach(async () => {
      await sequelize.query('DELETE FROM beckn_protocol.inbox');
      await sequelize.query('DELETE FROM beckn_protocol.outbox');
      // So each case starts with no dead rows of the one before.
      await sequelize.query('VACUUM beckn_protocol.inbox, beckn_protocol.outbox');
    });

    async function inboxRow(status: string, updatedAt: Date): Promise<string> {
      const id = randomUUID();
      await sequelize.query(
        `INSERT INTO beckn_protocol.inbox (id, role, action, transaction_id, message_id, body, status, max_attempts, next_attempt_at, received_at, updated_at)
         VALUES ($1, 'bpp', 'search', $2, $3, $4, $5, 3, $6, $6, $6)`,
        { bind: [id, randomUUID(), randomUUID(), Buffer.from('{}'), status, updatedAt] },
      );
      return id;
    }
    async function outboxRow(status: string, at: Date): Promise<string> {
      const id = randomUUID();
      await sequelize.query(
        `INSERT INTO beckn_protocol.outbox (id, role, action, target_url, transaction_id, message_id, body, status, max_attempts, next_attempt_at, created_at, updated_at, delivered_at)
         VALUES ($1, 'bpp', 'on_search', 'http://127.0.0.1:9/on_search', $2, $3, $4, $5, 3, $6, $6, $6, $7)`,
        { bind: [id, randomUUID(), randomUUID(), Buffer.from('{}'), status, at, status === 'delivered' ? at : null] },
      );
      return id;
    }
    async function ids(table: 'inbox' | 'outbox'): Promise<string[]> {
      const rows = await sequelize.query<{ id: string }>(`SELECT id FROM beckn_protocol.${table} ORDER BY id`, { type: QueryTypes.SELECT });
      return rows.map((row) => row.id);
    }
    async function deadRows(table: string): Promise<number> {
      const [row] = await sequelize.query<{ dead: string }>(`SELECT n_dead_tup AS dead FROM pg_stat_user_tables WHERE schemaname = 'beckn_protocol' AND relname = $1`, {
        type: QueryTypes.SELECT,
        bind: [table],
      });
      return Number(row?.dead ?? 0);
    }

    it('deletes handled inbox and delivered outbox entries past the retention, and keeps pending, dead and recent ones', async () => {
      const old = new Date(now.getTime() - 3 * HOUR);
      const recent = new Date(now.getTime() - HOUR / 2);
      const keptInbox = [await inboxRow('done', recent), await inboxRow('pending', old), await inboxRow('dead', old)];
      const goneInbox = [await inboxRow('done', old), await inboxRow('done', old)];
      const keptOutbox = [await outboxRow('delivered', recent), await outboxRow('pending', old), await outboxRow('dead', old)];
      const goneOutbox = [await outboxRow('delivered', old)];
      const metrics = createMetrics();
      const maintenance = createQueueMaintenance({ sequelize, settings: { retentionMs: HOUR, vacuumDeadRows: 0, intervalMs: 60_000 }, metrics, logger, clock: () => now });

      const run = await maintenance.runOnce();
      assert.deepEqual(run, { deleted: { inbox: goneInbox.length, outbox: goneOutbox.length }, vacuumed: [] });
      assert.deepEqual(await ids('inbox'), [...keptInbox].sort());
      assert.deepEqual(await ids('outbox'), [...keptOutbox].sort());
      assert.equal(await counter(metrics, 'beckn_ride_queue_rows_deleted_total', 'inbox'), 2);
      assert.equal(await counter(metrics, 'beckn_ride_queue_rows_deleted_total', 'outbox'), 1);

      assert.deepEqual(await maintenance.runOnce(), { deleted: { inbox: 0, outbox: 0 }, vacuumed: [] }, 'a second pass finds nothing');
    });

    it('deletes past the retention in batches when many entries are due', async () => {
      const old = new Date(now.getTime() - 3 * HOUR);
      await sequelize.query(
        `INSERT INTO beckn_protocol.inbox (id, role, action, body, status, max_attempts, next_attempt_at, received_at, updated_at)
         SELECT gen_random_uuid(), 'bpp', 'search', '\\x7b7d'::bytea, 'done', 3, $1, $1, $1 FROM generate_series(1, 12000)`,
        { bind: [old] },
      );
      const maintenance = createQueueMaintenance({ sequelize, settings: { retentionMs: HOUR, vacuumDeadRows: 0, intervalMs: 60_000 }, metrics: createMetrics(), logger, clock: () => now });
      assert.deepEqual((await maintenance.runOnce()).deleted, { inbox: 12_000, outbox: 0 });
      assert.deepEqual(await ids('inbox'), []);
    });

    it('runs VACUUM on a table whose dead rows passed the bound, and only on that one', async () => {
      await sequelize.query(
        `INSERT INTO beckn_protocol.inbox (id, role, action, body, status, max_attempts, next_attempt_at, received_at, updated_at)
         SELECT gen_random_uuid(), 'bpp', 'search', '\\x7b7d'::bytea, 'pending', 3, $1, $1, $1 FROM generate_series(1, 3000)`,
        { bind: [now] },
      );
      // Claimed and handled, as the worker does: each update leaves a dead version behind.
      await sequelize.query(`UPDATE beckn_protocol.inbox SET lease_owner = 'w', attempts = 1`);
      await sequelize.query(`UPDATE beckn_protocol.inbox SET status = 'done', lease_owner = NULL`);
      await waitUntil('the statistics count the dead rows', async () => (await deadRows('inbox')) >= 6000, { timeoutMs: 30_000, intervalMs: 200 });
      assert.ok((await deadRows('outbox')) < 5000);

      const metrics = createMetrics();
      const maintenance = createQueueMaintenance({ sequelize, settings: { retentionMs: 1000 * HOUR, vacuumDeadRows: 5000, intervalMs: 60_000 }, metrics, logger, clock: () => now });
      const run = await maintenance.runOnce();
      assert.deepEqual(run, { deleted: { inbox: 0, outbox: 0 }, vacuumed: ['inbox'] });
      assert.equal(await counter(metrics, 'beckn_ride_queue_vacuums_total', 'inbox'), 1);
      assert.equal(await counter(metrics, 'beckn_ride_queue_vacuums_total', 'outbox'), 0);
      await waitUntil('the statistics show the dead rows cleared', async () => (await deadRows('inbox')) < 5000, { timeoutMs: 30_000, intervalMs: 200 });
      assert.deepEqual((await maintenance.runOnce()).vacuumed, [], 'nothing left to vacuum');
      assert.equal((await ids('inbox')).length, 3000, 'vacuuming removes no live row');
    });

    it('runs by itself every interval once started, until stopped', async () => {
      const gone = await inboxRow('done', new Date(Date.now() - 3 * HOUR));
      const kept = await inboxRow('pending', new Date(Date.now() - 3 * HOUR));
      const maintenance = createQueueMaintenance({ sequelize, settings: { retentionMs: HOUR, vacuumDeadRows: 0, intervalMs: 100 }, metrics: createMetrics(), logger });
      maintenance.start();
      try {
        await waitUntil('the handled entry is deleted', async () => !(await ids('inbox')).includes(gone), { timeoutMs: 20_000, intervalMs: 50 });
      } finally {
        await maintenance.stop();
      }
      assert.deepEqual(await ids('inbox'), [kept]);
    });
  });
}

queueMaintenanceCases(serverBackend());
queueMaintenanceCases(embeddedBackend(logger));
