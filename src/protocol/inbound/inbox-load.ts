import { QueryTypes, type Sequelize } from 'sequelize';
import type { Logger } from '../../infra/logging/logger.js';

/** What the inbox of one role holds, as of the last sample. */
export interface InboxLoad {
  /** Entries not yet done or dead: waiting, being handled, or waiting out a retry. */
  pending: number;
  /**
   * How long the oldest entry that is due and not being handled has waited
   * for a handler at `sampledAt` (0 when none waits): about how long a
   * message accepted now would wait, the backlog being worked in due order.
   * An entry whose handler's lease ran out (its process died) waits again
   * from the lease's end, not from when it was first due.
   */
  oldestWaitMs: number;
  sampledAt: number;
}

export interface InboxLoadGauge {
  /** The last sample of `role`'s inbox, its wait aged to now; null before the first sample and after a failed one. */
  read(role: 'bap' | 'bpp'): InboxLoad | null;
  start(): void;
  stop(): Promise<void>;
}

export interface InboxLoadGaugeOptions {
  sequelize: Sequelize;
  roles: readonly ('bap' | 'bpp')[];
  intervalMs: number;
  clock: () => Date;
  logger: Logger;
}

/**
 * Samples each role's inbox every `intervalMs` with one query on the partial
 * index of pending entries (Postgres 0032), so the admission step reads a
 * number in memory and never queries per request. Every replica samples the
 * same table, so each sees the shared backlog. Times compare on `clock`, as
 * the inbox writes them.
 */
export function createInboxLoadGauge(options: InboxLoadGaugeOptions): InboxLoadGauge {
  const { sequelize, clock, logger, intervalMs } = options;
  const samples = new Map<string, InboxLoad>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let active = false;
  let failing = false;

  async function sampleRole(role: 'bap' | 'bpp'): Promise<void> {
    const now = clock();
    const [row] = await sequelize.query<{ pending: string; oldest_due: Date | null }>(
      `SELECT count(*) AS pending,
              min(greatest(next_attempt_at, lease_until)) FILTER (WHERE next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until < $2)) AS oldest_due
         FROM beckn_protocol.inbox
        WHERE role = $1 AND status = 'pending'`,
      { bind: [role, now], type: QueryTypes.SELECT },
    );
    const oldestDue = row?.oldest_due ? new Date(row.oldest_due).getTime() : null;
    samples.set(role, { pending: Number(row?.pending ?? 0), oldestWaitMs: oldestDue === null ? 0 : Math.max(0, now.getTime() - oldestDue), sampledAt: now.getTime() });
  }

  async function sampleAll(): Promise<void> {
    try {
      for (const role of options.roles) await sampleRole(role);
      if (failing) logger.info('inbox load sampling works again');
      failing = false;
    } catch (error) {
      // No numbers rather than old ones: the inbox insert will answer for the database itself.
      samples.clear();
      if (!failing) logger.error({ err: error }, 'inbox load sampling failed: requests are admitted without a load check until it works again');
      failing = true;
    }
  }

  // The next sample is taken an interval after the last one ends, so a slow query never overlaps another.
  const tick = () => {
    running = sampleAll().finally(() => {
      running = null;
      if (!active) return;
      timer = setTimeout(tick, intervalMs);
      timer.unref();
    });
  };

  return {
    read(role) {
      const sample = samples.get(role);
      if (!sample) return null;
      // Whatever waited at the sample has waited longer since (a slow sample under load only ages it).
      const age = Math.max(0, clock().getTime() - sample.sampledAt);
      return sample.oldestWaitMs > 0 ? { ...sample, oldestWaitMs: sample.oldestWaitMs + age } : sample;
    },
    start() {
      if (active) return;
      active = true;
      tick();
    },
    async stop() {
      active = false;
      clearTimeout(timer);
      await running;
    },
  };
}
