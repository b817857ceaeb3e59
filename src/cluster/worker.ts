import cluster from 'node:cluster';
import type { Registry } from 'prom-client';
import { isClusterMessage } from './cluster-messages.js';

/** Bound on the primary's answers (slot, metrics); it answers at once unless it is gone. */
const ASK_TIMEOUT_MS = 10_000;

/** True in a process the primary forked. */
export const isClusterWorker = (): boolean => cluster.isWorker;

function send(message: object): void {
  process.send?.(message);
}

/** Asks the primary which slot this worker fills (its spool folder, slot 1's single-instance jobs). */
export function askSlot(): Promise<number> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (!isClusterMessage(message, 'beckn-ride:slot')) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      resolve(message.slot);
    };
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error(`the primary named no worker slot within ${ASK_TIMEOUT_MS} ms`));
    }, ASK_TIMEOUT_MS);
    process.on('message', onMessage);
    send({ type: 'beckn-ride:slot?' });
  });
}

/**
 * Joins the cluster's metrics and stop protocol: answers the primary's
 * collection with this worker's registry, returns how this worker reads the
 * whole service's metrics (through the primary), and calls `stop` when the
 * primary asks this worker to drain.
 */
export function joinCluster(registry: Registry, stop: () => void): { serviceMetrics: () => Promise<string> } {
  let next = 0;
  const waiting = new Map<number, (text: string | null) => void>();
  process.on('message', (message: unknown) => {
    if (isClusterMessage(message, 'beckn-ride:collect')) {
      void registry.getMetricsAsJSON().then((metrics) => send({ type: 'beckn-ride:collected', id: message.id, metrics }));
    } else if (isClusterMessage(message, 'beckn-ride:metrics')) {
      waiting.get(message.id)?.(message.text);
    } else if (isClusterMessage(message, 'beckn-ride:stop')) {
      stop();
    }
  });
  return {
    serviceMetrics: () =>
      new Promise((resolve, reject) => {
        const id = next++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`the primary sent no metrics within ${ASK_TIMEOUT_MS} ms`));
        }, ASK_TIMEOUT_MS);
        waiting.set(id, (text) => {
          clearTimeout(timer);
          waiting.delete(id);
          if (text === null) reject(new Error('the primary could not assemble the metrics'));
          else resolve(text);
        });
        send({ type: 'beckn-ride:metrics?', id });
      }),
  };
}
