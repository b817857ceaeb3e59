import type { AppContext } from '../../src/context.js';
import { waitUntil } from './wait-until.js';

/** A protocol queue's depth as /metrics reports it; NaN when the queue is not tracked. */
async function queueDepth(ctx: AppContext, queue: 'inbox' | 'outbox'): Promise<number> {
  const values = (await ctx.metrics.registry.getSingleMetric('beckn_ride_queue_depth')?.get())?.values ?? [];
  return values.find((value) => value.labels.queue === queue)?.value ?? Number.NaN;
}

/**
 * Waits until every message the service accepted was handled and everything
 * those handlers queued was delivered (or given up on). A handler queues its
 * callbacks in the transaction that closes its inbox entry, so an empty inbox
 * read before an empty outbox leaves nothing owed: a test can then assert that
 * a message was never sent.
 */
export function waitForProtocolIdle(ctx: AppContext, timeoutMs = 30_000): Promise<void> {
  return waitUntil(
    'the inbox and the outbox are drained',
    async () => (await queueDepth(ctx, 'inbox')) === 0 && (await queueDepth(ctx, 'outbox')) === 0,
    { timeoutMs, intervalMs: 20 },
  );
}
