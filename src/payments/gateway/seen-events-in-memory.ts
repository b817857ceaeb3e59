import type { SeenEvents } from './payment-gateway.js';

/**
 * The embedded profile's SeenEvents: one process, so a Set suffices. It
 * forgets the oldest ids past `capacity`: with signed webhooks an id that
 * old is far outside the signature window, so the stale check still refuses
 * its replay; with Basic credentials the status read the caller makes before
 * moving money is what catches it. The full profile backs the port by
 * Postgres so replicas share it.
 */
export function inMemorySeenEvents(capacity = 100_000): SeenEvents {
  const seen = new Set<string>();
  return {
    async seenEvent(eventId) {
      if (seen.has(eventId)) return true;
      seen.add(eventId);
      if (seen.size > capacity) seen.delete(seen.values().next().value as string);
      return false;
    },
  };
}
