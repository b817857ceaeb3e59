import type { Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { isClusterMessage, type WorkerMetrics } from './cluster-messages.js';

/** How long the primary waits for one worker's metrics; a worker that does not answer is left out of that scrape. */
const COLLECT_TIMEOUT_MS = 3_000;

export interface LiveWorker {
  slot: number;
  worker: Worker;
}

const requestsOf = (metrics: WorkerMetrics) =>
  metrics.find((metric) => metric.name === 'beckn_ride_http_requests_total')?.values.reduce((sum, { value }) => sum + value, 0) ?? 0;

function collect(live: LiveWorker, id: number): Promise<WorkerMetrics | null> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (!isClusterMessage(message, 'beckn-ride:collected') || message.id !== id) return;
      finish(message.metrics);
    };
    const finish = (metrics: WorkerMetrics | null) => {
      clearTimeout(timer);
      live.worker.off('message', onMessage);
      live.worker.off('exit', gone);
      resolve(metrics);
    };
    const gone = () => finish(null);
    const timer = setTimeout(gone, COLLECT_TIMEOUT_MS);
    live.worker.on('message', onMessage);
    live.worker.once('exit', gone);
    try {
      live.worker.send({ type: 'beckn-ride:collect', id });
    } catch {
      finish(null);
    }
  });
}

/**
 * The whole service's /metrics, assembled by the primary: every worker's
 * registry summed by prom-client's aggregator (counters, histograms and pool
 * gauges add up; the queue depth gauge takes the maximum, see metrics.ts),
 * then a few series per worker slot: the requests it answered, and the
 * service's worker count and restarts.
 */
export function serviceMetrics(workers: () => LiveWorker[], restarts: () => number) {
  let next = 0;
  return async (): Promise<string> => {
    const id = next++;
    const live = workers();
    const answers = await Promise.all(live.map((one) => collect(one, id)));
    const present = answers.flatMap((metrics, i) => (metrics ? [{ slot: (live[i] as LiveWorker).slot, metrics }] : []));
    const summed = await AggregatorRegistry.aggregate(present.map((one) => one.metrics)).metrics();
    const lines = [
      '# HELP beckn_ride_worker_http_requests_total HTTP requests answered, by worker slot',
      '# TYPE beckn_ride_worker_http_requests_total counter',
      ...present.map(({ slot, metrics }) => `beckn_ride_worker_http_requests_total{worker="${slot}"} ${requestsOf(metrics)}`),
      '# HELP beckn_ride_workers Worker processes answering this scrape',
      '# TYPE beckn_ride_workers gauge',
      `beckn_ride_workers ${present.length}`,
      '# HELP beckn_ride_worker_restarts_total Workers the primary forked again after one exited',
      '# TYPE beckn_ride_worker_restarts_total counter',
      `beckn_ride_worker_restarts_total ${restarts()}`,
    ];
    return `${summed}${summed.endsWith('\n') || summed === '' ? '' : '\n'}${lines.join('\n')}\n`;
  };
}
