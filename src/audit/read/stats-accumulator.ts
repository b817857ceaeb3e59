import type { MessageRecord } from '../../protocol/message-log/index.js';
import type { AuditStats, LatencyPercentiles } from './audit-store.js';
import { sortStats } from './stats-order.js';

/** ClickHouse's `quantiles` keeps this many samples per group; so does the file store, for the same answers. */
const reservoirSize = 8192;

/** A uniform sample of at most `reservoirSize` values (Vitter's algorithm R): exact until it fills. */
class Reservoir {
  private readonly values: number[] = [];
  private seen = 0;

  add(value: number): void {
    this.seen += 1;
    if (this.values.length < reservoirSize) {
      this.values.push(value);
      return;
    }
    const slot = Math.floor(Math.random() * this.seen);
    if (slot < reservoirSize) this.values[slot] = value;
  }

  /** Linear interpolation between the closest ranks, as ClickHouse's reservoir sampler does. */
  percentiles(): LatencyPercentiles {
    const sorted = [...this.values].sort((a, b) => a - b);
    const at = (level: number) => {
      if (sorted.length === 0) return 0;
      const index = level * (sorted.length - 1);
      const low = Math.floor(index);
      const lowValue = sorted[low] as number;
      const highValue = sorted[Math.min(low + 1, sorted.length - 1)] as number;
      return lowValue + (index - low) * (highValue - lowValue);
    };
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
  }
}

/** Stats of records fed one at a time, in memory bounded by the number of actions, codes and counterparts. */
export function createStatsAccumulator(from: Date, to: Date) {
  let total = 0;
  const transactions = new Set<string>();
  const byAction = new Map<string, { action: string; status: 'ACK' | 'NACK' | 'NONE'; count: number }>();
  const nackCodes = new Map<string | null, number>();
  const counterparts = new Map<string | null, { count: number; latencies: Reservoir }>();

  return {
    add(record: MessageRecord): void {
      total += 1;
      if (record.transaction_id) transactions.add(record.transaction_id);
      const status = record.ack ?? 'NONE';
      const actionKey = JSON.stringify([record.action, status]);
      const actionEntry = byAction.get(actionKey) ?? { action: record.action, status, count: 0 };
      actionEntry.count += 1;
      byAction.set(actionKey, actionEntry);
      if (record.ack === 'NACK') nackCodes.set(record.error_code || null, (nackCodes.get(record.error_code || null) ?? 0) + 1);
      const counterpart = (record.direction === 'inbound' ? record.sender : record.receiver) || null;
      const entry = counterparts.get(counterpart) ?? { count: 0, latencies: new Reservoir() };
      entry.count += 1;
      // Stored rows keep whole milliseconds (message-row.ts); rounding the same way gives the same percentiles.
      entry.latencies.add(Math.max(0, Math.round(record.latency_ms)));
      counterparts.set(counterpart, entry);
    },

    result(): AuditStats {
      return sortStats({
        from: from.toISOString(),
        to: to.toISOString(),
        total,
        transactions: transactions.size,
        by_action: [...byAction.values()],
        nack_codes: [...nackCodes].map(([code, count]) => ({ code, count })),
        counterparts: [...counterparts].map(([counterpart, entry]) => ({
          counterpart,
          count: entry.count,
          latency_ms: entry.latencies.percentiles(),
        })),
      });
    },
  };
}
