import type { LatLon } from './haversine.js';

export interface LocationPoint extends LatLon {
  /** When the device took the fix, epoch milliseconds. */
  ts: number;
}

export interface NearbyDriver {
  driverId: string;
  distanceMeters: number;
}

/**
 * Driver location port: each driver's latest position for nearby search and
 * tracking, and the fixes a driver posts during a ride (for the distance
 * traveled). Everything is live state with a bounded lifetime.
 */
export interface DriverLocationStore {
  /** Records a fix; a fix not newer (by ts) than the driver's latest is ignored. */
  update(driverId: string, point: LocationPoint): Promise<void>;
  /**
   * Drivers within `radiusMeters`, nearest first, at most `limit`; drivers not
   * updated for longer than the store's staleness window are left out.
   */
  nearby(center: LatLon, radiusMeters: number, options: { limit: number }): Promise<NearbyDriver[]>;
  /** Forgets the driver's position (e.g. they went offline). */
  remove(driverId: string): Promise<void>;
  last(driverId: string): Promise<LocationPoint | null>;
  /** Adds fixes to a ride's trail; an exact duplicate of a stored fix is kept once. */
  appendWaypoints(rideId: string, points: readonly LocationPoint[]): Promise<void>;
  /** The ride's fixes ordered by ts. */
  waypoints(rideId: string): Promise<LocationPoint[]>;
  clearWaypoints(rideId: string): Promise<void>;
}

export interface DriverLocationStoreOptions {
  /** A driver whose last accepted fix arrived longer ago than this is not offered by nearby(). */
  staleAfterSeconds: number;
  /** Lifetime of a driver's position (refreshed on every update); default one hour. */
  locationTtlSeconds?: number;
  /** Lifetime of a ride's trail (refreshed on every append); default one day. */
  waypointTtlSeconds?: number;
  /** Clock for staleness, epoch milliseconds. */
  now?: () => number;
}

export interface ResolvedLocationOptions {
  staleAfterMs: number;
  locationTtlMs: number;
  waypointTtlMs: number;
  now: () => number;
}

/** Redis GEO cannot index latitudes beyond ±85.05112878°; both adapters refuse them alike. */
export const MAX_GEO_LATITUDE = 85.05112878;

export function resolveLocationOptions(options: DriverLocationStoreOptions): ResolvedLocationOptions {
  const staleAfterMs = secondsToMs('staleAfterSeconds', options.staleAfterSeconds);
  const locationTtlMs = secondsToMs('locationTtlSeconds', options.locationTtlSeconds ?? 3600);
  const waypointTtlMs = secondsToMs('waypointTtlSeconds', options.waypointTtlSeconds ?? 86_400);
  if (locationTtlMs <= staleAfterMs) throw new RangeError('locationTtlSeconds must exceed staleAfterSeconds');
  return { staleAfterMs, locationTtlMs, waypointTtlMs, now: options.now ?? Date.now };
}

export function assertPoint(point: LocationPoint): void {
  const { lat, lon, ts } = point;
  if (!Number.isFinite(lat) || Math.abs(lat) > MAX_GEO_LATITUDE) throw new RangeError(`latitude out of range: ${lat}`);
  if (!Number.isFinite(lon) || Math.abs(lon) > 180) throw new RangeError(`longitude out of range: ${lon}`);
  if (!Number.isSafeInteger(ts) || ts < 0) throw new RangeError(`ts must be epoch milliseconds: ${ts}`);
}

export function assertId(kind: string, id: string): void {
  if (typeof id !== 'string' || id.length === 0) throw new RangeError(`${kind} must be a non-empty string`);
}

export function assertNearbyQuery(center: LatLon, radiusMeters: number, limit: number): void {
  assertPoint({ ...center, ts: 0 });
  if (!Number.isFinite(radiusMeters) || radiusMeters <= 0) throw new RangeError(`radiusMeters must be > 0: ${radiusMeters}`);
  if (!Number.isSafeInteger(limit) || limit <= 0) throw new RangeError(`limit must be a positive integer: ${limit}`);
}

/** One fix as a canonical string: equal fixes give equal strings, which is how duplicates collapse. */
export function encodePoint(point: LocationPoint): string {
  return `${point.ts}|${point.lat}|${point.lon}`;
}

export function decodePoint(encoded: string): LocationPoint {
  const [ts, lat, lon] = encoded.split('|').map(Number);
  return { ts: ts ?? Number.NaN, lat: lat ?? Number.NaN, lon: lon ?? Number.NaN };
}

function secondsToMs(field: string, seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) throw new RangeError(`${field} must be > 0`);
  return Math.round(seconds * 1000);
}
