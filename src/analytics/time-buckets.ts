import type { AnalyticsBucket } from './analytics-types.js';

export const QUARTER_MS = 15 * 60_000;

export const bucketMs: Readonly<Record<AnalyticsBucket, number>> = {
  '15m': QUARTER_MS,
  '1h': 60 * 60_000,
  '1d': 24 * 60 * 60_000,
};

/** Floors to a bucket edge counted from the Unix epoch, so days are UTC days. */
export function floorTo(ms: number, size: number): number {
  return Math.floor(ms / size) * size;
}

export function ceilTo(ms: number, size: number): number {
  return Math.ceil(ms / size) * size;
}
