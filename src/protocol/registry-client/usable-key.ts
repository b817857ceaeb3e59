import { KeyUnavailableError } from './errors.js';
import type { SubscriberRecord } from './subscriber-record.js';

/**
 * Picks the record that may verify a signature made at `at`: SUBSCRIBED and
 * valid_from <= at <= valid_until. Registries may list one key once per
 * domain, hence several records. Otherwise throws with the most telling reason.
 */
export function usableKey(records: readonly SubscriberRecord[], subscriberId: string, uniqueKeyId: string, at: Date): SubscriberRecord {
  const time = at.getTime();
  const subscribed = records.filter((record) => record.status === 'SUBSCRIBED');
  const usable = subscribed.find((record) => Date.parse(record.validFrom) <= time && time <= Date.parse(record.validUntil));
  if (usable !== undefined) return usable;
  let reason: KeyUnavailableError['reason'];
  if (subscribed.length > 0) {
    reason = subscribed.every((record) => Date.parse(record.validFrom) > time) ? 'NOT_YET_VALID' : 'EXPIRED';
  } else {
    reason = records.some((record) => record.status === 'EXPIRED') ? 'EXPIRED' : 'NOT_SUBSCRIBED';
  }
  throw new KeyUnavailableError(reason, subscriberId, uniqueKeyId);
}
