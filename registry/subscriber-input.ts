import {
  isEd25519PublicKey,
  subscriberRecordFields,
  subscriberTypeOf,
  type SubscriberType,
} from '../src/protocol/registry-client/index.js';

/** Core 1.1 `Subscription.status`. */
export const subscriptionStatuses = ['INITIATED', 'UNDER_SUBSCRIPTION', 'SUBSCRIBED', 'EXPIRED', 'UNSUBSCRIBED', 'INVALID_SSL'] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];

/** A record to store; `created`/`updated` are the registry's to set. */
export interface SubscriberRecordInput {
  subscriberId: string;
  uniqueKeyId: string;
  type: SubscriberType;
  domain: string | null;
  city: string | null;
  country: string | null;
  subscriberUrl: string;
  signingPublicKey: string;
  encrPublicKey: string | null;
  validFrom: Date;
  validUntil: Date;
  /** SUBSCRIBED unless given. */
  status?: SubscriptionStatus;
}

export type ParsedInput = { ok: true; input: SubscriberRecordInput } | { ok: false; problems: string[] };

/** keyId parts are visible ASCII without `|` or `"` (BECKN-006), so ids must be too. */
const keyIdPart = /^[\x21\x23-\x7b\x7d\x7e]{1,255}$/;
/** DER prefix of an X25519 SubjectPublicKeyInfo, the form ONDC publishes encryption keys in. */
const x25519SpkiPrefix = Buffer.from('302a300506032b656e032100', 'hex');

function isStrictBase64(value: string): boolean {
  return value !== '' && Buffer.from(value, 'base64').toString('base64') === value;
}

function isEncryptionKey(value: string): boolean {
  if (!isStrictBase64(value)) return false;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === 32 || (bytes.length === 44 && bytes.subarray(0, 12).equals(x25519SpkiPrefix));
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Reads and checks a subscriber record in either naming style (`url` or
 * `subscriber_url`, `ukId` or `unique_key_id` ...), listing every problem.
 */
export function parseSubscriberInput(raw: unknown): ParsedInput {
  const fields = subscriberRecordFields(raw);
  if (fields === null) return { ok: false, problems: ['a subscriber record must be a JSON object'] };
  const problems: string[] = [];

  const id = (name: string, value: unknown): string => {
    if (typeof value === 'string' && keyIdPart.test(value)) return value;
    problems.push(`${name} must be 1 to 255 visible ASCII characters without '|' or '"'`);
    return '';
  };
  const optionalText = (name: string, value: unknown): string | null => {
    if (value === undefined || value === null) return null;
    if (typeof value === 'string' && value.trim() !== '' && value.length <= 255) return value.trim();
    problems.push(`${name} must be a non-empty string of at most 255 characters`);
    return null;
  };
  const instant = (name: string, value: unknown): Date => {
    const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
    if (Number.isNaN(date.getTime())) problems.push(`${name} must be an ISO-8601 date-time`);
    return date;
  };

  const subscriberId = id('subscriber_id', fields.subscriberId);
  const uniqueKeyId = id('unique_key_id', fields.uniqueKeyId);
  const type = subscriberTypeOf(fields.type);
  if (type === null) problems.push('type must be one of BAP, BPP, BG, BREG');
  const domain = optionalText('domain', fields.domain);
  const city = optionalText('city', fields.city);
  const country = optionalText('country', fields.country);
  const subscriberUrl = typeof fields.subscriberUrl === 'string' ? fields.subscriberUrl : '';
  if (!isHttpUrl(subscriberUrl)) problems.push('subscriber_url must be an http(s) URL');
  const signingPublicKey = typeof fields.signingPublicKey === 'string' ? fields.signingPublicKey : '';
  if (!isEd25519PublicKey(signingPublicKey)) {
    problems.push('signing_public_key must be the standard base64 of a raw 32-byte Ed25519 public key');
  }
  const encrPublicKey = optionalText('encr_public_key', fields.encrPublicKey);
  if (encrPublicKey !== null && !isEncryptionKey(encrPublicKey)) {
    problems.push('encr_public_key must be base64 of a raw 32-byte X25519 key or of its SubjectPublicKeyInfo DER');
  }
  const validFrom = instant('valid_from', fields.validFrom);
  const validUntil = instant('valid_until', fields.validUntil);
  if (validUntil.getTime() <= validFrom.getTime()) problems.push('valid_until must be after valid_from');
  let status: SubscriptionStatus | undefined;
  if (fields.status !== undefined) {
    status = subscriptionStatuses.find((known) => known === String(fields.status).toUpperCase());
    if (status === undefined) problems.push(`status must be one of ${subscriptionStatuses.join(', ')}`);
  }

  if (problems.length > 0 || type === null) return { ok: false, problems };
  return {
    ok: true,
    input: {
      subscriberId,
      uniqueKeyId,
      type,
      domain,
      city,
      country,
      subscriberUrl,
      signingPublicKey,
      encrPublicKey,
      validFrom,
      validUntil,
      ...(status === undefined ? {} : { status }),
    },
  };
}
