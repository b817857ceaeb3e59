import cluster, { type Worker } from 'node:cluster';
import { backoffCeilingMs } from '../infra/backoff/index.js';
import type { Logger } from '../infra/logging/logger.js';
import { isClusterMessage } from './cluster-messages.js';
import { serviceMetrics, type LiveWorker } from './service-metrics.js';

export interface PrimaryOptions {
  workers: number;
  logger: Logger;
  /** Added to every worker's environment (the concrete port, MIGRATE_ON_START=false, ...). */
  env: Record<string, string>;
  /** Each worker's own drain bound; the primary waits this plus a margin before it kills what is left. */
  shutdownTimeoutMs: number;
  /** Once, when every slot's first worker listens. */
  onAllListening(): void;
}

/** A slot whose workers exit this many times in a row before listening stops the service: it would only keep failing. */
const MAX_START_FAILURES = 5;
const RESTART_BACKOFF = { baseBackoffMs: 500, maxBackoffMs: 30_000 };
const STOP_MARGIN_MS = 2_000;

interface Slot {
  slot: number;
  worker: Worker | null;
  listening: boolean;
  startFailures: number;
  restartTimer: NodeJS.Timeout | null;
}

/**
 * The cluster's primary: forks one worker per slot, answers their questions
 * (slot, the service's metrics), forks a worker again when one exits (after
 * a backoff that grows while a slot fails before listening, logged), and on
 * SIGTERM/SIGINT asks every worker to drain as a single process would.
 * Resolves the exit code: 0 when every worker stopped cleanly on a signal,
 * 1 when one did not or a slot kept crashing at start.
 */
export function runPrimary(options: PrimaryOptions): Promise<number> {
  const { logger } = options;
  const slots: Slot[] = Array.from({ length: options.workers }, (_, i) => ({ slot: i + 1, worker: null, listening: false, startFailures: 0, restartTimer: null }));
  let restarts = 0;
  let announced = false;
  let stopping = false;
  let failed = false;
  let resolveExit: (code: number) => void = () => undefined;
  const exit = new Promise<number>((resolve) => (resolveExit = resolve));
  const live = (): LiveWorker[] => slots.flatMap((s) => (s.worker && s.listening && s.worker.isConnected() ? [{ slot: s.slot, worker: s.worker }] : []));
  const metrics = serviceMetrics(live, () => restarts);

  const finishIfAllGone = () => {
    if (stopping && slots.every((s) => s.worker === null)) resolveExit(failed ? 1 : 0);
  };

  const fork = (slot: Slot) => {
    slot.restartTimer = null;
    slot.listening = false;
    const worker = cluster.fork(options.env);
    slot.worker = worker;
    const pid = worker.process.pid;
    worker.on('message', (message: unknown) => {
      if (isClusterMessage(message, 'beckn-ride:slot?')) worker.send({ type: 'beckn-ride:slot', slot: slot.slot });
      else if (isClusterMessage(message, 'beckn-ride:metrics?')) {
        metrics().then(
          (text) => worker.isConnected() && worker.send({ type: 'beckn-ride:metrics', id: message.id, text }),
          (error: unknown) => {
            logger.error({ err: error }, 'the service metrics could not be assembled');
            if (worker.isConnected()) worker.send({ type: 'beckn-ride:metrics', id: message.id, text: null });
          },
        );
      }
    });
    worker.once('listening', () => {
      slot.listening = true;
      slot.startFailures = 0;
      logger.info({ worker: slot.slot, workerPid: pid }, 'worker listening');
      if (!announced && slots.every((s) => s.listening)) {
        announced = true;
        options.onAllListening();
      }
    });
    worker.once('exit', (code, signal) => {
      slot.worker = null;
      if (stopping) {
        if (code !== 0) failed = true;
        logger.info({ worker: slot.slot, workerPid: pid, code, signal }, 'worker stopped');
        finishIfAllGone();
        return;
      }
      if (!slot.listening) slot.startFailures += 1;
      if (slot.startFailures >= MAX_START_FAILURES) {
        logger.fatal({ worker: slot.slot, workerPid: pid, code, signal, failures: slot.startFailures }, 'workers keep exiting before they listen: stopping the service');
        failed = true;
        void stop('start-up failures');
        return;
      }
      const delayMs = backoffCeilingMs(Math.max(slot.startFailures, 1), RESTART_BACKOFF);
      restarts += 1;
      logger.error({ worker: slot.slot, workerPid: pid, code, signal, restartInMs: delayMs }, 'worker exited: forking a new one');
      slot.restartTimer = setTimeout(() => fork(slot), delayMs);
    });
    logger.info({ worker: slot.slot, workerPid: pid }, 'worker forked');
  };

  const stop = (reason: string) => {
    if (stopping) {
      logger.warn({ reason }, 'second signal during shutdown: killing the workers');
      for (const s of slots) s.worker?.process.kill('SIGKILL');
      resolveExit(1);
      return;
    }
    stopping = true;
    logger.info({ reason, workers: slots.filter((s) => s.worker).length }, 'stopping: every worker drains');
    for (const s of slots) {
      if (s.restartTimer) clearTimeout(s.restartTimer);
      s.restartTimer = null;
      if (s.worker?.isConnected()) s.worker.send({ type: 'beckn-ride:stop' });
      else s.worker?.process.kill('SIGTERM');
    }
    const deadline = setTimeout(() => {
      logger.error('workers outlived the shutdown bound: killing them');
      for (const s of slots) s.worker?.process.kill('SIGKILL');
      resolveExit(1);
    }, options.shutdownTimeoutMs + STOP_MARGIN_MS);
    deadline.unref();
    finishIfAllGone();
  };

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  for (const slot of slots) fork(slot);
  return exit;
}
