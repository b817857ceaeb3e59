import { entryTtlSeconds, type KeyCacheEntry } from './key-cache.js';

export interface MemoryKeyCacheOptions {
  /** Entries kept; the least recently used one goes first. */
  maxEntries: number;
  /** Upper bound on an entry's life here; 0 turns this cache off. */
  ttlSeconds: number;
  /** The shared cache's bounds, which this cache never outlives. */
  sharedTtlSeconds: number;
  negativeTtlSeconds: number;
}

interface Held {
  subscriberId: string;
  entry: KeyCacheEntry;
  expiresAt: number;
}

/** Unambiguous for any pair of strings, and cheaper than encoding both. */
const keyOf = (subscriberId: string, uniqueKeyId: string) => `${subscriberId.length}:${subscriberId}${uniqueKeyId}`;

function freeze(entry: KeyCacheEntry): KeyCacheEntry {
  // Every caller in this process shares the held records, so none may change them.
  if ('records' in entry) for (const record of entry.records) Object.freeze(record);
  return Object.freeze(entry);
}

/**
 * A small per-process cache in front of the shared (Redis) key cache, so a
 * busy sender's key costs no round trip per message. It holds an answer for
 * min(ttlSeconds, the shared cache's TTL for it), so never past valid_until
 * nor past the negative TTL; another replica's invalidate() reaches this
 * process only when its entry lapses, within ttlSeconds.
 */
export function createMemoryKeyCache(options: MemoryKeyCacheOptions) {
  const { maxEntries, ttlSeconds } = options;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError(`memoryCacheMaxEntries must be an integer >= 1, got ${maxEntries}`);
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 0) throw new RangeError(`memoryCacheTtlSeconds must be an integer >= 0, got ${ttlSeconds}`);
  const positiveTtl = Math.min(ttlSeconds, options.sharedTtlSeconds);
  const negativeTtl = Math.min(ttlSeconds, options.negativeTtlSeconds);
  const held = new Map<string, Held>();

  return {
    get size(): number {
      return held.size;
    },

    get(subscriberId: string, uniqueKeyId: string, now: Date): KeyCacheEntry | null {
      const key = keyOf(subscriberId, uniqueKeyId);
      const found = held.get(key);
      if (found === undefined) return null;
      held.delete(key);
      if (found.expiresAt <= now.getTime()) return null;
      // Re-inserted so the Map's order stays least recently used first.
      held.set(key, found);
      return found.entry;
    },

    put(subscriberId: string, uniqueKeyId: string, entry: KeyCacheEntry, now: Date): void {
      const ttl = entryTtlSeconds(entry, now, positiveTtl, negativeTtl);
      if (ttl <= 0) return;
      const key = keyOf(subscriberId, uniqueKeyId);
      held.delete(key);
      while (held.size >= maxEntries) {
        const oldest = held.keys().next();
        if (oldest.done === true) break;
        held.delete(oldest.value);
      }
      held.set(key, { subscriberId, entry: freeze(entry), expiresAt: now.getTime() + ttl * 1000 });
    },

    remove(subscriberId: string, uniqueKeyId: string): void {
      held.delete(keyOf(subscriberId, uniqueKeyId));
    },

    /** Every key of the subscriber, "unknown key" answers included. */
    removeSubscriber(subscriberId: string): void {
      for (const [key, value] of held) if (value.subscriberId === subscriberId) held.delete(key);
    },
  };
}
