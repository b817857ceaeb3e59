/**
 * What the benchmarks' service targets (`pipeline-target`, `rider-target`)
 * share: an undo stack for what a run sets up, the cleanup of a booted test
 * harness, and the protocol backlog read from the service's database.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { BecknHarness } from '../test/support/beckn-harness.js';

export interface Backlog {
  inboxPending: number;
  outboxPending: number;
  dead: number;
}

export interface TeardownStack {
  push(step: () => Promise<unknown>): void;
  run(): Promise<void>;
}

/**
 * Undo steps run last-in first-out; every one runs even when an earlier one
 * fails, so a failed run leaves little behind. A failure is reported as
 * `<what> cleanup failed`.
 */
export function teardownStack(what: string): TeardownStack {
  const steps: (() => Promise<unknown>)[] = [];
  return {
    push: (step) => {
      steps.push(step);
    },
    async run() {
      const failures: unknown[] = [];
      for (const step of steps.splice(0).reverse()) await step().catch((error: unknown) => failures.push(error));
      if (failures.length > 0) throw new AggregateError(failures, `${what} cleanup failed`);
    },
  };
}

/**
 * Pushes the undo steps of a booted harness: close it and remove its scratch
 * folders (those under the temporary folder), then remove the run's Redis keys
 * (duplicate-detection keys live for a day) rather than leave them behind.
 */
export function pushHarnessTeardown(teardown: TeardownStack, net: BecknHarness): void {
  const { ctx } = net.app;
  const scratchDirs = [dirname(net.messageLogFile), ctx.config.dataDir].filter((dir) => dir.startsWith(tmpdir()));
  teardown.push(async () => {
    await net.close();
    for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  });
  const redisPrefix = ctx.config.redis?.keyPrefix;
  teardown.push(async () => {
    if (!ctx.redis || !redisPrefix) return;
    for await (const batch of ctx.redis.scanStream({ match: `${redisPrefix}*`, count: 1000 })) {
      const keys = batch as string[];
      if (keys.length > 0) await ctx.redis.unlink(...keys);
    }
  });
}

/** Reads the protocol inbox and outbox: entries pending in each, dead letters in both. */
export function backlogReader(sequelize: Sequelize): () => Promise<Backlog> {
  const countByStatus = async (table: string): Promise<Record<string, number>> => {
    const rows = await sequelize.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM beckn_protocol.${table} GROUP BY status`, { type: QueryTypes.SELECT });
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  };
  return async () => {
    const [inbox, outbox] = await Promise.all([countByStatus('inbox'), countByStatus('outbox')]);
    return { inboxPending: inbox.pending ?? 0, outboxPending: outbox.pending ?? 0, dead: (inbox.dead ?? 0) + (outbox.dead ?? 0) };
  };
}
