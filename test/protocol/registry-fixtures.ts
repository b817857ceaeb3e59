import type { SubscriberRecordInput } from '../../registry/index.js';
import type { LookupFilter, LookupSource } from '../../src/protocol/registry-client/index.js';
import { generateSigningKeyPair } from '../../src/protocol/signing/index.js';

const day = 86_400_000;

/** A subscribed participant valid from yesterday for a year, with a fresh signing key (a BPP unless `extra.type` says otherwise). */
export function subscriberRecord(subscriberId: string, uniqueKeyId: string, extra: Partial<SubscriberRecordInput> = {}): SubscriberRecordInput {
  const type = extra.type ?? 'BPP';
  return {
    subscriberId,
    uniqueKeyId,
    type,
    domain: 'ONDC:TRV10',
    city: 'std:080',
    country: 'IND',
    subscriberUrl: `https://${subscriberId}/beckn/${type.toLowerCase()}`,
    signingPublicKey: generateSigningKeyPair().publicKey,
    encrPublicKey: null,
    validFrom: new Date(Date.now() - day),
    validUntil: new Date(Date.now() + 365 * day),
    ...extra,
  };
}

/** A source that records every filter it is asked, so tests can count registry calls. */
export function countedSource(source: LookupSource): LookupSource & { calls: LookupFilter[] } {
  const calls: LookupFilter[] = [];
  return Object.assign(
    async (filter: LookupFilter) => {
      calls.push(filter);
      return source(filter);
    },
    { calls },
  );
}
