import type { Redis } from 'ioredis';
import {
  assertId,
  assertNearbyQuery,
  assertPoint,
  decodePoint,
  encodePoint,
  resolveLocationOptions,
  type DriverLocationStore,
  type DriverLocationStoreOptions,
} from './driver-location-store.js';

/**
 * Accepts a fix only when newer than the stored one, then refreshes the TTLs.
 * Drivers silent for longer than the key TTL are pruned from the GEO set here
 * (a bounded batch per call), so departed drivers do not pile up in it.
 */
const UPDATE = `
local previous = redis.call('GET', KEYS[3])
if previous then
  local previousTs = tonumber(string.match(previous, '^([^|]+)'))
  if previousTs >= tonumber(ARGV[4]) then return 0 end
end
redis.call('GEOADD', KEYS[1], ARGV[3], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
redis.call('SET', KEYS[3], ARGV[4] .. '|' .. ARGV[2] .. '|' .. ARGV[3], 'PX', ARGV[6])
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[7], 'LIMIT', 0, 100)
if #gone > 0 then
  redis.call('ZREM', KEYS[1], unpack(gone))
  redis.call('ZREM', KEYS[2], unpack(gone))
end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return 1
`;

/** Nearest first within the radius, skipping drivers last seen before ARGV[5], until ARGV[4] are found. */
const NEARBY = `
local found = redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', ARGV[1], ARGV[2], 'BYRADIUS', ARGV[3], 'm', 'ASC', 'WITHDIST')
local fresh = {}
local limit = tonumber(ARGV[4])
for _, entry in ipairs(found) do
  local seen = redis.call('ZSCORE', KEYS[2], entry[1])
  if seen and tonumber(seen) >= tonumber(ARGV[5]) then
    fresh[#fresh + 1] = entry
    if #fresh >= limit then break end
  end
end
return fresh
`;

export interface RedisDriverLocationStoreOptions extends DriverLocationStoreOptions {
  /** Shared connection; the store never closes it. */
  redis: Redis;
  /** Prepended (with "geo:") to every key. */
  prefix: string;
}

/** Driver locations on Redis 7: a GEO set for nearby search, a last-seen sorted set for staleness. */
export function createRedisDriverLocationStore(options: RedisDriverLocationStoreOptions): DriverLocationStore {
  const { redis } = options;
  const { staleAfterMs, locationTtlMs, waypointTtlMs, now } = resolveLocationOptions(options);
  const namespace = `${options.prefix}geo:`;
  const driversKey = `${namespace}drivers`;
  const seenKey = `${namespace}seen`;
  const lastKey = (driverId: string): string => `${namespace}last:${driverId}`;
  const trailKey = (rideId: string): string => `${namespace}trail:${rideId}`;

  return {
    async update(driverId, point) {
      assertId('driverId', driverId);
      assertPoint(point);
      const at = now();
      await redis.eval(UPDATE, 3, driversKey, seenKey, lastKey(driverId), driverId, point.lat, point.lon, point.ts, at, locationTtlMs, at - locationTtlMs);
    },
    async nearby(center, radiusMeters, { limit }) {
      assertNearbyQuery(center, radiusMeters, limit);
      const found = (await redis.eval(NEARBY, 2, driversKey, seenKey, center.lon, center.lat, radiusMeters, limit, now() - staleAfterMs)) as [string, string][];
      return found.map(([driverId, distance]) => ({ driverId, distanceMeters: Number(distance) }));
    },
    async remove(driverId) {
      assertId('driverId', driverId);
      await redis.multi().zrem(driversKey, driverId).zrem(seenKey, driverId).del(lastKey(driverId)).exec();
    },
    async last(driverId) {
      assertId('driverId', driverId);
      const stored = await redis.get(lastKey(driverId));
      return stored === null ? null : decodePoint(stored);
    },
    async appendWaypoints(rideId, points) {
      assertId('rideId', rideId);
      points.forEach(assertPoint);
      if (points.length === 0) return;
      const key = trailKey(rideId);
      const members = points.flatMap((point) => [point.ts, encodePoint(point)]);
      await redis.multi().zadd(key, ...members).pexpire(key, waypointTtlMs).exec();
    },
    async waypoints(rideId) {
      assertId('rideId', rideId);
      return (await redis.zrange(trailKey(rideId), 0, -1)).map(decodePoint);
    },
    async clearWaypoints(rideId) {
      assertId('rideId', rideId);
      await redis.del(trailKey(rideId));
    },
  };
}
