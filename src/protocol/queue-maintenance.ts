import { QueryTypes, type Sequelize } from 'sequelize';
import type { Logger } from '../infra/logging/logger.js';
import type { Metrics } from '../infra/metrics/index.js';

export interface QueueMaintenanceSettings {
  /** How long a handled inbox entry or a delivered outbox entry is kept. */
  retentionMs: number;
  /** Dead row versions in a queue table past which it is vacuumed here; 0: never. */
  vacuumDeadRows: number;
  intervalMs: number;
}

export interface QueueMaintenanceRun {
  deleted: Record<QueueTable, number>;
  vacuumed: QueueTable[];
}

export interface QueueMaintenance {
  start(): void;
  stop(): Promise<void>;
  /** One pass now (the timer's pass, for tests and operators). */
  runOnce(): Promise<QueueMaintenanceRun>;
}

type QueueTable = 'inbox' | 'outbox';

const SCHEMA = 'beckn_protocol';
const DELETE_BATCH = 5_000;

/** What is finished in each table, and the column that says since when. */
const FINISHED: Record<QueueTable, string> = {
  inbox: `status = 'done' AND updated_at < $1`,
  outbox: `status = 'delivered' AND delivered_at < $1`,
};

/**
 * Keeps the protocol's queue tables small. Every message passes through them
 * as an insert and two or three updates, so at a few hundred messages a
 * second they gather dead row versions faster than a Postgres with autovacuum
 * off (or far behind) ever clears, and each claim then walks them: a five
 * minute soak halved the answered rate that way. Each pass deletes handled
 * and delivered entries past the retention (dead letters stay for the
 * operator) and runs `VACUUM (SKIP_LOCKED, ANALYZE)` on a table whose dead
 * rows passed the bound. Every process runs it: deletes skip rows another
 * process is deleting, and a VACUUM another process holds is skipped.
 */
export function createQueueMaintenance(deps: { sequelize: Sequelize; settings: QueueMaintenanceSettings; metrics: Metrics; logger: Logger; clock?: () => Date }): QueueMaintenance {
  const { sequelize, settings, metrics, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopping = false;

  async function deleteFinished(table: QueueTable): Promise<number> {
    const before = new Date(clock().getTime() - settings.retentionMs);
    let total = 0;
    for (;;) {
      const [result] = await sequelize.query<{ deleted: number }>(
        `WITH gone AS (
           DELETE FROM ${SCHEMA}.${table}
            WHERE id IN (SELECT id FROM ${SCHEMA}.${table} WHERE ${FINISHED[table]} LIMIT ${DELETE_BATCH} FOR UPDATE SKIP LOCKED)
           RETURNING 1)
         SELECT count(*)::int AS deleted FROM gone`,
        { type: QueryTypes.SELECT, bind: [before] },
      );
      const deleted = Number(result?.deleted ?? 0);
      total += deleted;
      if (deleted < DELETE_BATCH || stopping) return total;
    }
  }

  async function deadRows(): Promise<Record<string, number>> {
    const rows = await sequelize.query<{ relname: string; dead: string }>(
      `SELECT relname, n_dead_tup AS dead FROM pg_stat_user_tables WHERE schemaname = $1 AND relname IN ('inbox', 'outbox')`,
      { type: QueryTypes.SELECT, bind: [SCHEMA] },
    );
    return Object.fromEntries(rows.map((row) => [row.relname, Number(row.dead)]));
  }

  async function runOnce(): Promise<QueueMaintenanceRun> {
    const run: QueueMaintenanceRun = { deleted: { inbox: 0, outbox: 0 }, vacuumed: [] };
    for (const table of ['inbox', 'outbox'] as const) {
      run.deleted[table] = await deleteFinished(table);
      if (run.deleted[table] > 0) metrics.queueRowsDeleted.inc({ table }, run.deleted[table]);
    }
    if (settings.vacuumDeadRows > 0 && !stopping) {
      const dead = await deadRows();
      for (const table of ['inbox', 'outbox'] as const) {
        if ((dead[table] ?? 0) < settings.vacuumDeadRows || stopping) continue;
        const began = Date.now();
        // Not in a transaction (VACUUM refuses one); SKIP_LOCKED: another process's VACUUM of it is enough.
        await sequelize.query(`VACUUM (SKIP_LOCKED, ANALYZE) ${SCHEMA}.${table}`);
        metrics.queueVacuums.inc({ table });
        run.vacuumed.push(table);
        logger.info({ table: `${SCHEMA}.${table}`, deadRows: dead[table], ms: Date.now() - began }, 'queue table vacuumed (its dead rows passed QUEUE_VACUUM_DEAD_ROWS)');
      }
    }
    return run;
  }

  function schedule(): void {
    if (stopping) return;
    timer = setTimeout(() => {
      timer = null;
      running = runOnce()
        .then((run) => {
          if (run.deleted.inbox + run.deleted.outbox > 0) logger.debug({ deleted: run.deleted }, 'queue entries past the retention deleted');
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'queue maintenance failed; tried again next interval'))
        .finally(() => {
          running = null;
          schedule();
        });
    }, settings.intervalMs);
    timer.unref();
  }

  return {
    start() {
      stopping = false;
      if (timer === null && running === null) schedule();
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
    runOnce,
  };
}
