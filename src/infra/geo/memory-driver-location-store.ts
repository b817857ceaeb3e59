import {
  assertId,
  assertNearbyQuery,
  assertPoint,
  encodePoint,
  resolveLocationOptions,
  type DriverLocationStore,
  type DriverLocationStoreOptions,
  type LocationPoint,
} from './driver-location-store.js';
import { haversineMeters } from './haversine.js';

interface DriverEntry {
  point: LocationPoint;
  seenAt: number;
}

interface Trail {
  points: Map<string, LocationPoint>;
  expiresAt: number;
}

interface Namespace {
  drivers: Map<string, DriverEntry>;
  trails: Map<string, Trail>;
}

/** In-process stand-in for one Redis: stores on the same backend and prefix share their data. */
export class MemoryDriverLocationBackend {
  private readonly namespaces = new Map<string, Namespace>();

  namespace(prefix: string): Namespace {
    let found = this.namespaces.get(prefix);
    if (!found) {
      found = { drivers: new Map(), trails: new Map() };
      this.namespaces.set(prefix, found);
    }
    return found;
  }
}

export function createMemoryDriverLocationBackend(): MemoryDriverLocationBackend {
  return new MemoryDriverLocationBackend();
}

export interface MemoryDriverLocationStoreOptions extends DriverLocationStoreOptions {
  backend?: MemoryDriverLocationBackend;
  prefix?: string;
}

/** Driver locations for the embedded profile; same contract as the Redis adapter, distances by haversine. */
export function createMemoryDriverLocationStore(options: MemoryDriverLocationStoreOptions): DriverLocationStore {
  const { staleAfterMs, locationTtlMs, waypointTtlMs, now } = resolveLocationOptions(options);
  const { drivers, trails } = (options.backend ?? createMemoryDriverLocationBackend()).namespace(options.prefix ?? '');

  const liveDriver = (driverId: string, at: number): DriverEntry | undefined => {
    const entry = drivers.get(driverId);
    if (entry && at - entry.seenAt >= locationTtlMs) {
      drivers.delete(driverId);
      return undefined;
    }
    return entry;
  };

  const liveTrail = (rideId: string, at: number): Trail | undefined => {
    const trail = trails.get(rideId);
    if (trail && trail.expiresAt <= at) {
      trails.delete(rideId);
      return undefined;
    }
    return trail;
  };

  return {
    async update(driverId, point) {
      assertId('driverId', driverId);
      assertPoint(point);
      const at = now();
      const previous = liveDriver(driverId, at);
      if (previous && previous.point.ts >= point.ts) return;
      drivers.set(driverId, { point: { lat: point.lat, lon: point.lon, ts: point.ts }, seenAt: at });
    },
    async nearby(center, radiusMeters, { limit }) {
      assertNearbyQuery(center, radiusMeters, limit);
      const at = now();
      const found: { driverId: string; distanceMeters: number }[] = [];
      for (const driverId of [...drivers.keys()]) {
        const entry = liveDriver(driverId, at);
        if (!entry || at - entry.seenAt > staleAfterMs) continue;
        const distanceMeters = haversineMeters(center, entry.point);
        if (distanceMeters <= radiusMeters) found.push({ driverId, distanceMeters });
      }
      return found.sort((a, b) => a.distanceMeters - b.distanceMeters).slice(0, limit);
    },
    async remove(driverId) {
      assertId('driverId', driverId);
      drivers.delete(driverId);
    },
    async last(driverId) {
      assertId('driverId', driverId);
      const entry = liveDriver(driverId, now());
      return entry ? { ...entry.point } : null;
    },
    async appendWaypoints(rideId, points) {
      assertId('rideId', rideId);
      points.forEach(assertPoint);
      if (points.length === 0) return;
      const at = now();
      const trail = liveTrail(rideId, at) ?? { points: new Map<string, LocationPoint>(), expiresAt: 0 };
      for (const point of points) trail.points.set(encodePoint(point), { lat: point.lat, lon: point.lon, ts: point.ts });
      trail.expiresAt = at + waypointTtlMs;
      trails.set(rideId, trail);
    },
    async waypoints(rideId) {
      assertId('rideId', rideId);
      const trail = liveTrail(rideId, now());
      if (!trail) return [];
      // Same order as the Redis sorted set: by ts, then by the encoded member.
      return [...trail.points.entries()]
        .sort(([keyA, a], [keyB, b]) => a.ts - b.ts || (keyA < keyB ? -1 : keyA > keyB ? 1 : 0))
        .map(([, point]) => ({ ...point }));
    },
    async clearWaypoints(rideId) {
      assertId('rideId', rideId);
      trails.delete(rideId);
    },
  };
}
