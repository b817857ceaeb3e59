import type { CorrelationStore } from '../../infra/correlation/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { SubscriberRecord } from './subscriber-record.js';

/** What the registry said about one (subscriber_id, ukId): its records, or that there are none. */
export type KeyCacheEntry = { records: SubscriberRecord[] } | { missing: 'UNKNOWN_SUBSCRIBER' | 'UNKNOWN_KEY' };

export interface KeyCacheOptions {
  store: CorrelationStore;
  logger: Logger;
  ttlSeconds: number;
  negativeTtlSeconds: number;
}

/** The correlation-store key (before the store's prefix) caching one (subscriber_id, ukId). */
export function registryKeyCacheKey(subscriberId: string, uniqueKeyId: string): string {
  return `registry:key:${encodeURIComponent(subscriberId)}:${encodeURIComponent(uniqueKeyId)}`;
}

function assertSeconds(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be an integer >= 1, got ${value}`);
}

/**
 * Seconds an entry may be cached at `now`; 0 means "do not cache".
 * A subscribed record lives until min(valid_until, ttl); an unknown key, or
 * a record whose status may still change (INITIATED awaiting approval,
 * UNSUBSCRIBED ...), only for the negative TTL, so a flood of bad keyIds
 * costs the registry one call per negative TTL while an approval shows up
 * soon. A record already past valid_until is not cached at all.
 */
export function entryTtlSeconds(entry: KeyCacheEntry, now: Date, ttlSeconds: number, negativeTtlSeconds: number): number {
  if ('missing' in entry) return negativeTtlSeconds;
  if (entry.records.length === 0) return 0;
  const ttls = entry.records.map((record) => {
    const remaining = Math.floor((Date.parse(record.validUntil) - now.getTime()) / 1000);
    return Math.min(remaining, record.status === 'SUBSCRIBED' ? ttlSeconds : negativeTtlSeconds);
  });
  return Math.max(0, Math.min(...ttls));
}

function isEntry(value: unknown): value is KeyCacheEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return Array.isArray(entry.records) || entry.missing === 'UNKNOWN_SUBSCRIBER' || entry.missing === 'UNKNOWN_KEY';
}

/**
 * Registry answers per key in the correlation store, as JSON. A store that
 * fails to read or write only costs a registry call: verification goes on.
 */
export function createKeyCache(options: KeyCacheOptions) {
  const { store, logger, ttlSeconds, negativeTtlSeconds } = options;
  assertSeconds('cacheTtlSeconds', ttlSeconds);
  assertSeconds('negativeCacheTtlSeconds', negativeTtlSeconds);
  const keyOf = registryKeyCacheKey;

  return {
    async get(subscriberId: string, uniqueKeyId: string): Promise<KeyCacheEntry | null> {
      try {
        const value = await store.get(keyOf(subscriberId, uniqueKeyId));
        if (value === null) return null;
        const entry: unknown = JSON.parse(value);
        return isEntry(entry) ? entry : null;
      } catch (error) {
        logger.warn({ err: error, subscriberId, uniqueKeyId }, 'registry key cache read failed');
        return null;
      }
    },

    async put(subscriberId: string, uniqueKeyId: string, entry: KeyCacheEntry, now: Date): Promise<void> {
      const ttl = entryTtlSeconds(entry, now, ttlSeconds, negativeTtlSeconds);
      if (ttl <= 0) return;
      try {
        await store.set(keyOf(subscriberId, uniqueKeyId), JSON.stringify(entry), ttl * 1000);
      } catch (error) {
        logger.warn({ err: error, subscriberId, uniqueKeyId }, 'registry key cache write failed');
      }
    },

    async remove(subscriberId: string, uniqueKeyId: string): Promise<void> {
      await store.delete(keyOf(subscriberId, uniqueKeyId));
    },
  };
}
