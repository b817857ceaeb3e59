import type { MetricObjectWithValues, MetricValue } from 'prom-client';

/** A worker's metrics as prom-client's getMetricsAsJSON gives them. */
export type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[];

/** What primary and workers say over the cluster's IPC channel; every type is prefixed so other listeners (prom-client's) pass them by. */
export type ClusterMessage =
  | { type: 'beckn-ride:slot?' }
  | { type: 'beckn-ride:slot'; slot: number }
  | { type: 'beckn-ride:metrics?'; id: number }
  | { type: 'beckn-ride:metrics'; id: number; text: string | null }
  | { type: 'beckn-ride:collect'; id: number }
  | { type: 'beckn-ride:collected'; id: number; metrics: WorkerMetrics }
  | { type: 'beckn-ride:stop' };

export function isClusterMessage<T extends ClusterMessage['type']>(message: unknown, type: T): message is Extract<ClusterMessage, { type: T }> {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}
