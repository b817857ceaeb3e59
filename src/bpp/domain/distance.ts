// The formula is shared with the driver location store's in-memory adapter; this file holds no adapter.
import { haversineMeters, type LatLon } from '../../infra/geo/index.js';

export { haversineMeters, type LatLon };

export interface Route {
  distanceMeters: number;
  durationSeconds: number;
}

/** Port: distance and duration by road between two points; a routing engine can replace the haversine adapter. */
export interface RoutePlanner {
  route(from: LatLon, to: LatLon): Promise<Route>;
}

export interface HaversineRoutePlannerOptions {
  /**
   * Road distance over straight-line distance. 1.3 by default: city road
   * networks typically run 20–40% longer than the crow flies.
   */
  roadFactor?: number;
  /** Average speed over the road distance, used for the duration. */
  averageSpeedKmph: number;
}

/** A route estimate without a road graph: straight-line distance × road factor, at an average speed. */
export function haversineRoutePlanner(options: HaversineRoutePlannerOptions): RoutePlanner {
  const roadFactor = options.roadFactor ?? 1.3;
  if (!(roadFactor >= 1) || !Number.isFinite(roadFactor)) throw new RangeError('roadFactor must be a finite number >= 1');
  if (!(options.averageSpeedKmph > 0) || !Number.isFinite(options.averageSpeedKmph)) {
    throw new RangeError('averageSpeedKmph must be a finite number > 0');
  }
  const metersPerSecond = (options.averageSpeedKmph * 1000) / 3600;
  return {
    async route(from, to) {
      const distanceMeters = Math.round(haversineMeters(from, to) * roadFactor);
      return { distanceMeters, durationSeconds: Math.round(distanceMeters / metersPerSecond) };
    },
  };
}

export interface Waypoint extends LatLon {
  /** Epoch milliseconds. */
  ts: number;
}

/**
 * Fastest plausible movement between two fixes. A road vehicle in a city does
 * not exceed it, so a fix implying more is a GPS jump and is dropped.
 */
export const MAX_PLAUSIBLE_SPEED_KMPH = 200;

/**
 * Distance driven along a ride's location fixes. Fixes are ordered by time;
 * exact duplicates and repeats of a timestamp already seen are dropped; a fix
 * reachable from the last kept one only faster than MAX_PLAUSIBLE_SPEED_KMPH
 * is a jump and is skipped, so the next fix is measured from the last good one.
 */
export function traveledDistance(waypoints: readonly Waypoint[], maxSpeedKmph = MAX_PLAUSIBLE_SPEED_KMPH): number {
  const maxMetersPerMs = (maxSpeedKmph * 1000) / 3_600_000;
  const ordered = [...waypoints].sort((a, b) => a.ts - b.ts);
  let last: Waypoint | undefined;
  let total = 0;
  for (const point of ordered) {
    if (!last) {
      last = point;
      continue;
    }
    // The first fix at a timestamp wins; later ones at the same instant are repeats.
    if (point.ts === last.ts) continue;
    const meters = haversineMeters(last, point);
    if (meters > maxMetersPerMs * (point.ts - last.ts)) continue;
    total += meters;
    last = point;
  }
  return total;
}
