import type { SubscriberRecord } from '../src/protocol/registry-client/index.js';

/**
 * A subscriber record as the registry answers it: both naming styles at
 * once (`subscriber_url` and core 1.1's `url`, `unique_key_id` and `ukId`),
 * so clients of the deployed Beckn registry, of ONDC and of core 1.1 all
 * find their names (PROFILE.md, Registry).
 */
export interface WireSubscriberRecord {
  subscriber_id: string;
  unique_key_id: string;
  ukId: string;
  type: string;
  domain: string | null;
  city: string | null;
  country: string | null;
  subscriber_url: string;
  url: string;
  signing_public_key: string;
  encr_public_key: string | null;
  valid_from: string;
  valid_until: string;
  status: string;
  created: string | null;
  updated: string | null;
}

export function toWireRecord(record: SubscriberRecord): WireSubscriberRecord {
  return {
    subscriber_id: record.subscriberId,
    unique_key_id: record.uniqueKeyId,
    ukId: record.uniqueKeyId,
    type: record.type,
    domain: record.domain,
    city: record.city,
    country: record.country,
    subscriber_url: record.subscriberUrl,
    url: record.subscriberUrl,
    signing_public_key: record.signingPublicKey,
    encr_public_key: record.encrPublicKey,
    valid_from: record.validFrom,
    valid_until: record.validUntil,
    status: record.status,
    created: record.created,
    updated: record.updated,
  };
}
