import type { LocationPoint } from '../../infra/geo/index.js';
import { AppError } from '../../infra/http/index.js';

export interface PostedPoint {
  lat: number;
  lon: number;
  /** Epoch milliseconds or an ISO-8601 date-time with offset. */
  ts: number | string;
}

/** A phone clock may run a little fast; anything further ahead is a broken clock, not a fix. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/**
 * Reads a batch of posted fixes and returns the newest one. Fixes arrive out
 * of order and repeated (retries after a lost answer), so only the greatest
 * ts matters; one bad fix refuses the whole batch before anything is stored.
 */
export function newestPoint(points: readonly PostedPoint[], now: number): LocationPoint {
  let newest: LocationPoint | null = null;
  for (const [index, point] of points.entries()) {
    const ts = typeof point.ts === 'number' ? point.ts : Date.parse(point.ts);
    if (!Number.isSafeInteger(ts) || ts < 0) {
      throw new AppError('VALIDATION_FAILED', 'invalid request body', [{ path: `/points/${index}/ts`, message: 'must be a valid time' }]);
    }
    if (ts > now + MAX_FUTURE_SKEW_MS) {
      throw new AppError('VALIDATION_FAILED', 'invalid request body', [
        { path: `/points/${index}/ts`, message: `must not be more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes in the future` },
      ]);
    }
    if (newest === null || ts > newest.ts) newest = { lat: point.lat, lon: point.lon, ts };
  }
  if (newest === null) throw new AppError('VALIDATION_FAILED', 'invalid request body', [{ path: '/points', message: 'must not be empty' }]);
  return newest;
}

/** Every fix of a batch newestPoint() accepted, as stored points. */
export function locationPoints(points: readonly PostedPoint[]): LocationPoint[] {
  return points.map((point) => ({ lat: point.lat, lon: point.lon, ts: typeof point.ts === 'number' ? point.ts : Date.parse(point.ts) }));
}
