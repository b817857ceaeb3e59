import type { CorrelationStore } from '../../infra/correlation/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import { KeyUnavailableError, RegistryUnavailableError } from './errors.js';
import { createKeyCache, type KeyCacheEntry } from './key-cache.js';
import { createMemoryKeyCache } from './memory-key-cache.js';
import {
  matchesFilter,
  normalizeRecord,
  type LookupFilter,
  type LookupSource,
  type SubscriberRecord,
} from './subscriber-record.js';
import { usableKey } from './usable-key.js';

export interface RegistryClient {
  /** Records matching the filter, normalised; unusable records are dropped. Not cached. */
  lookup(filter: LookupFilter): Promise<SubscriberRecord[]>;
  /**
   * The record whose key may verify a signature made at `at` (default now):
   * status SUBSCRIBED and valid_from <= at <= valid_until. Throws
   * KeyUnavailableError otherwise. Cached.
   */
  signingKey(subscriberId: string, uniqueKeyId: string, at?: Date): Promise<SubscriberRecord>;
  /**
   * Subscribed, currently valid records of a type for a domain/city (the
   * gateway's fan-out list). Cached in process per filter for at most
   * `subscriberListTtlSeconds`, never past the first valid_until listed.
   */
  subscribers(filter: { type: 'BPP' | 'BAP' | 'BG'; domain: string; city?: string }): Promise<SubscriberRecord[]>;
  /**
   * Forgets cached keys: one key, or every key the registry now lists for the
   * subscriber (which needs the registry; a cached "unknown key" answer for
   * the subscriber lapses on its own within the negative TTL).
   */
  invalidate(subscriberId: string, uniqueKeyId?: string): Promise<void>;
}

export interface RegistryClientOptions {
  source: LookupSource;
  cache: CorrelationStore;
  /** Upper bound on how long a record is cached; valid_until bounds it too. */
  cacheTtlSeconds: number;
  /** How long "no such key" and not-yet-subscribed answers are cached; 10 s unless given. */
  negativeCacheTtlSeconds?: number;
  /**
   * How long this process keeps an answer in memory in front of the shared
   * cache (never longer than the shared cache would); 5 s unless given, 0
   * turns it off. Bounds how late another replica's invalidate() is seen here.
   */
  memoryCacheTtlSeconds?: number;
  /** Keys held in memory; 1,024 unless given. The subscriber lists cached are bounded by the same number. */
  memoryCacheMaxEntries?: number;
  /** How long a subscriber list is cached in process; `cacheTtlSeconds` unless given, 0 turns it off. */
  subscriberListTtlSeconds?: number;
  logger: Logger;
  clock?: () => Date;
}

/**
 * Registry lookups with the signing keys cached per (subscriber_id, ukId) in
 * the correlation store, so every replica shares the cache, and briefly in
 * process in front of it.
 */
export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const { source, logger } = options;
  const clock = options.clock ?? (() => new Date());
  const negativeTtlSeconds = options.negativeCacheTtlSeconds ?? 10;
  const cache = createKeyCache({ store: options.cache, logger, ttlSeconds: options.cacheTtlSeconds, negativeTtlSeconds });
  const memory = createMemoryKeyCache({
    maxEntries: options.memoryCacheMaxEntries ?? 1_024,
    ttlSeconds: options.memoryCacheTtlSeconds ?? 5,
    sharedTtlSeconds: options.cacheTtlSeconds,
    negativeTtlSeconds,
  });
  const lists = createListCache(options.memoryCacheMaxEntries ?? 1_024, options.subscriberListTtlSeconds ?? options.cacheTtlSeconds);
  // Concurrent misses for one key share a single registry call.
  const inFlight = new Map<string, Promise<KeyCacheEntry>>();

  const fetchRecords = async (filter: LookupFilter): Promise<SubscriberRecord[]> => {
    let raw: unknown[];
    try {
      raw = await source(filter);
    } catch (error) {
      if (error instanceof RegistryUnavailableError) throw error;
      throw new RegistryUnavailableError(`registry lookup failed: ${(error as Error).message}`, undefined, { cause: error });
    }
    const records: SubscriberRecord[] = [];
    let unusable = 0;
    for (const item of raw) {
      const record = normalizeRecord(item);
      if (record === null) unusable += 1;
      else if (matchesFilter(record, filter)) records.push(record);
    }
    if (unusable > 0) logger.warn({ filter, unusable }, 'registry returned records that cannot be used');
    return records;
  };

  const fetchEntry = async (subscriberId: string, uniqueKeyId: string): Promise<KeyCacheEntry> => {
    const records = await fetchRecords({ subscriberId, uniqueKeyId });
    if (records.length > 0) return { records };
    // A second, rarer call tells an unknown subscriber from an unknown key; the negative cache absorbs repeats.
    const others = await fetchRecords({ subscriberId });
    return { missing: others.length > 0 ? 'UNKNOWN_KEY' : 'UNKNOWN_SUBSCRIBER' };
  };

  const entryFor = async (subscriberId: string, uniqueKeyId: string): Promise<KeyCacheEntry> => {
    const held = memory.get(subscriberId, uniqueKeyId, clock());
    if (held !== null) return held;
    const cached = await cache.get(subscriberId, uniqueKeyId);
    if (cached !== null) {
      memory.put(subscriberId, uniqueKeyId, cached, clock());
      return cached;
    }
    const flightKey = JSON.stringify([subscriberId, uniqueKeyId]);
    let pending = inFlight.get(flightKey);
    if (pending === undefined) {
      pending = fetchEntry(subscriberId, uniqueKeyId)
        .then(async (entry) => {
          const now = clock();
          await cache.put(subscriberId, uniqueKeyId, entry, now);
          memory.put(subscriberId, uniqueKeyId, entry, now);
          return entry;
        })
        .finally(() => inFlight.delete(flightKey));
      inFlight.set(flightKey, pending);
    }
    return pending;
  };

  return {
    lookup: fetchRecords,

    async signingKey(subscriberId, uniqueKeyId, at = clock()) {
      let entry: KeyCacheEntry;
      try {
        entry = await entryFor(subscriberId, uniqueKeyId);
      } catch (error) {
        logger.warn({ err: error, subscriberId, uniqueKeyId }, 'registry unavailable for a key lookup');
        throw new KeyUnavailableError('REGISTRY_UNAVAILABLE', subscriberId, uniqueKeyId, { cause: error });
      }
      if ('missing' in entry) throw new KeyUnavailableError(entry.missing, subscriberId, uniqueKeyId);
      return usableKey(entry.records, subscriberId, uniqueKeyId, at);
    },

    async subscribers({ type, domain, city }) {
      const filter: LookupFilter = { type, domain, ...(city === undefined ? {} : { city }) };
      const listKey = JSON.stringify([type, domain, city ?? null]);
      let records = lists.get(listKey, clock());
      if (records === null) {
        // Domain and city matching is the registry's business (it may list city "*" for every city).
        records = (await fetchRecords(filter)).filter((record) => record.status === 'SUBSCRIBED');
        lists.put(listKey, records, clock());
      }
      const now = clock().getTime();
      return records.filter((record) => Date.parse(record.validFrom) <= now && now <= Date.parse(record.validUntil));
    },

    async invalidate(subscriberId, uniqueKeyId) {
      lists.clear();
      // Memory is cleared before and after, so a read racing the shared removal cannot keep the old answer here.
      if (uniqueKeyId !== undefined) {
        memory.remove(subscriberId, uniqueKeyId);
        await cache.remove(subscriberId, uniqueKeyId);
        memory.remove(subscriberId, uniqueKeyId);
        return;
      }
      memory.removeSubscriber(subscriberId);
      const records = await fetchRecords({ subscriberId });
      await Promise.all(records.map((record) => cache.remove(subscriberId, record.uniqueKeyId)));
      memory.removeSubscriber(subscriberId);
    },
  };
}

/**
 * Subscriber lists per filter, least recently used dropped first. A list
 * lives ttlSeconds at most, and never past the earliest valid_until in it,
 * so a key that lapses never stays listed from the cache.
 */
function createListCache(maxEntries: number, ttlSeconds: number) {
  const held = new Map<string, { records: SubscriberRecord[]; expiresAt: number }>();
  return {
    get(key: string, now: Date): SubscriberRecord[] | null {
      const found = held.get(key);
      if (found === undefined) return null;
      held.delete(key);
      if (found.expiresAt <= now.getTime()) return null;
      held.set(key, found);
      return found.records;
    },
    put(key: string, records: SubscriberRecord[], now: Date): void {
      if (ttlSeconds <= 0) return;
      const until = Math.min(now.getTime() + ttlSeconds * 1000, ...records.map((record) => Date.parse(record.validUntil)));
      if (until <= now.getTime()) return;
      held.delete(key);
      while (held.size >= maxEntries) {
        const oldest = held.keys().next();
        if (oldest.done === true) break;
        held.delete(oldest.value);
      }
      held.set(key, { records: records.map((record) => Object.freeze({ ...record })), expiresAt: until });
    },
    clear(): void {
      held.clear();
    },
  };
}
