import type { JobHandler, Scheduler } from './scheduler.js';

export interface PeriodicJob {
  /** Registers the handler under `type`; call once per scheduler. */
  register(): void;
  /** Schedules the current slot's run, due at once; replicas starting together share it. */
  start(now?: number): Promise<void>;
}

/**
 * A job run every `intervalMs` by whichever worker claims it. Runs are keyed
 * by their time slot (a multiple of the interval), so every replica that
 * starts the chain or schedules the next run lands on the same job id; each
 * run schedules the next slot before it works, so a failing run does not end
 * the chain (the scheduler retries it on its own).
 */
export function periodicJob(scheduler: Scheduler, type: string, intervalMs: number, run: () => Promise<void>): PeriodicJob {
  const scheduleSlot = async (slot: number) => {
    await scheduler.schedule({ id: `${type}:${slot}`, type, payload: { slot }, runAt: slot });
  };
  const handler: JobHandler = async (job) => {
    const slot = (job.payload as { slot?: unknown } | null)?.slot;
    await scheduleSlot((typeof slot === 'number' ? slot : job.scheduledFor) + intervalMs);
    await run();
  };
  return {
    register: () => scheduler.register(type, handler),
    start: (now = Date.now()) => scheduleSlot(Math.floor(now / intervalMs) * intervalMs),
  };
}
