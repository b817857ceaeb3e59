import { AppError } from '../src/infra/http/index.js';
import type { SubscribeAuthority } from './subscribe-authority.js';
import type { SubscriberRecordInput, SubscriptionStatus } from './subscriber-input.js';
import type { RegistryRecord, SubscriberStore } from './subscriber-store.js';

export interface SubscriptionRequest {
  input: SubscriberRecordInput;
  /** A key of the same subscriber to retire (status EXPIRED) in the same change. */
  replacesUniqueKeyId?: string;
}

/**
 * Writes a subscribe request under the subscriber's lock. Who asked decides
 * the status: the admin's records are SUBSCRIBED; a participant's new key is
 * SUBSCRIBED and an updated one keeps its status (only an admin changes a
 * status); an applicant's record is INITIATED. A key id never changes its
 * key unless the admin says so: a new key needs a new unique_key_id.
 */
export async function applySubscription(
  request: SubscriptionRequest,
  authority: SubscribeAuthority,
  store: SubscriberStore,
  now: Date,
): Promise<RegistryRecord> {
  const { input, replacesUniqueKeyId } = request;
  if (replacesUniqueKeyId !== undefined) {
    if (authority.kind === 'applicant') {
      throw new AppError('VALIDATION_FAILED', 'replaces_unique_key_id needs a subscribed key to sign the request, or the admin token');
    }
    if (replacesUniqueKeyId === input.uniqueKeyId) {
      throw new AppError('VALIDATION_FAILED', 'replaces_unique_key_id must name another key than unique_key_id');
    }
  }

  return store.withSubscriberLock(input.subscriberId, async (transaction) => {
    const existing = await store.find(input.subscriberId, input.uniqueKeyId, transaction);
    const keyChanged = existing !== null && existing.signingPublicKey !== input.signingPublicKey;
    let status: SubscriptionStatus;
    if (authority.kind === 'admin') {
      status = 'SUBSCRIBED';
    } else {
      if (keyChanged) {
        throw new AppError('CONFLICT', `key ${input.subscriberId}|${input.uniqueKeyId} is registered with another public key; use a new unique_key_id`);
      }
      status = authority.kind === 'participant' ? (existing?.status ?? 'SUBSCRIBED') : 'INITIATED';
    }
    if (authority.kind === 'applicant') {
      const others = (await store.lookup({ subscriberId: input.subscriberId }, transaction)).filter(
        (record) => record.uniqueKeyId !== input.uniqueKeyId,
      );
      if (others.length > 0) {
        throw new AppError('UNAUTHORIZED', `${input.subscriberId} is already registered: sign with one of its subscribed keys`);
      }
    }

    if (replacesUniqueKeyId !== undefined) {
      const retired = await store.setStatus(input.subscriberId, replacesUniqueKeyId, 'EXPIRED', now, transaction);
      if (retired === null) throw new AppError('NOT_FOUND', `key ${input.subscriberId}|${replacesUniqueKeyId} is not registered`);
    }
    return store.save(input, status, now, transaction);
  });
}
