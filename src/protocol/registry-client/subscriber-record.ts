export type SubscriberType = 'BAP' | 'BPP' | 'BG' | 'BREG';

/** One registry entry: a participant's key, where it is reached and for how long the key holds. */
export interface SubscriberRecord {
  subscriberId: string;
  uniqueKeyId: string;
  type: SubscriberType;
  domain: string | null;
  city: string | null;
  country: string | null;
  subscriberUrl: string;
  /** Raw 32-byte Ed25519 public key, base64. */
  signingPublicKey: string;
  encrPublicKey: string | null;
  /** ISO-8601 instants. */
  validFrom: string;
  validUntil: string;
  /** INITIATED, UNDER_SUBSCRIPTION, SUBSCRIBED, EXPIRED, UNSUBSCRIBED or INVALID_SSL (core 1.1). */
  status: string;
  created: string | null;
  updated: string | null;
}

/** What a lookup asks for; every field narrows the result. */
export interface LookupFilter {
  subscriberId?: string;
  uniqueKeyId?: string;
  type?: SubscriberType;
  domain?: string;
  city?: string;
  country?: string;
}

/** Asks a registry for records and returns them raw, in whichever naming style it uses. */
export type LookupSource = (filter: LookupFilter) => Promise<unknown[]>;

/**
 * The names each field goes by: core 1.1 (`url`, `key_id`), the deployed
 * Beckn registry and ONDC (`subscriber_url`, `unique_key_id`, `ukId`,
 * `pub_key_id`), and camelCase from in-process sources. First present wins.
 */
const fieldAliases: Record<keyof SubscriberRecord, readonly string[]> = {
  subscriberId: ['subscriber_id', 'subscriberId'],
  uniqueKeyId: ['unique_key_id', 'ukId', 'key_id', 'pub_key_id', 'uniqueKeyId'],
  type: ['type'],
  domain: ['domain'],
  city: ['city'],
  country: ['country'],
  subscriberUrl: ['subscriber_url', 'url', 'subscriberUrl'],
  signingPublicKey: ['signing_public_key', 'signingPublicKey'],
  encrPublicKey: ['encr_public_key', 'encryption_public_key', 'encrPublicKey'],
  validFrom: ['valid_from', 'validFrom'],
  validUntil: ['valid_until', 'validUntil'],
  status: ['status'],
  created: ['created'],
  updated: ['updated'],
};

const typeAliases: Record<string, SubscriberType> = {
  BAP: 'BAP',
  BPP: 'BPP',
  BG: 'BG',
  BREG: 'BREG',
  // ONDC's vlookup vocabulary.
  BUYERAPP: 'BAP',
  SELLERAPP: 'BPP',
  GATEWAY: 'BG',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Core 1.1 puts city and country in a Location object (`location.city.code`). */
function locationCode(raw: Record<string, unknown>, part: 'city' | 'country'): unknown {
  const location = raw.location;
  if (!isObject(location)) return undefined;
  const value = location[part];
  return isObject(value) ? value.code : undefined;
}

/**
 * Resolves the naming styles of a raw record into our field names, without
 * judging the values. Null when `raw` is not an object.
 */
export function subscriberRecordFields(raw: unknown): Partial<Record<keyof SubscriberRecord, unknown>> | null {
  if (!isObject(raw)) return null;
  const fields: Partial<Record<keyof SubscriberRecord, unknown>> = {};
  for (const [field, names] of Object.entries(fieldAliases) as [keyof SubscriberRecord, readonly string[]][]) {
    const name = names.find((candidate) => raw[candidate] !== undefined && raw[candidate] !== null);
    if (name !== undefined) fields[field] = raw[name];
  }
  fields.city ??= locationCode(raw, 'city');
  fields.country ??= locationCode(raw, 'country');
  return fields;
}

export function subscriberTypeOf(value: unknown): SubscriberType | null {
  return typeof value === 'string' ? (typeAliases[value.toUpperCase()] ?? null) : null;
}

function text(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function instant(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Standard padded base64 of exactly 32 bytes: how registries publish Ed25519 signing keys. */
export function isEd25519PublicKey(value: string): boolean {
  // The round trip refuses non-zero padding bits, which Buffer.from would silently drop.
  return /^[A-Za-z0-9+/]{43}=$/.test(value) && Buffer.from(value, 'base64').toString('base64') === value;
}

/**
 * Reads a registry record in any naming style. Null when it cannot identify
 * or verify anyone: no subscriber id, key id, URL, type, status or validity,
 * or a signing key that is not a base64 32-byte Ed25519 key.
 */
export function normalizeRecord(raw: unknown): SubscriberRecord | null {
  const fields = subscriberRecordFields(raw);
  if (fields === null) return null;
  const subscriberId = text(fields.subscriberId);
  const uniqueKeyId = text(fields.uniqueKeyId);
  const subscriberUrl = text(fields.subscriberUrl);
  const signingPublicKey = text(fields.signingPublicKey);
  const type = subscriberTypeOf(fields.type);
  const status = text(fields.status);
  const validFrom = instant(fields.validFrom);
  const validUntil = instant(fields.validUntil);
  if (
    subscriberId === null ||
    uniqueKeyId === null ||
    subscriberUrl === null ||
    signingPublicKey === null ||
    !isEd25519PublicKey(signingPublicKey) ||
    type === null ||
    status === null ||
    validFrom === null ||
    validUntil === null
  ) {
    return null;
  }
  return {
    subscriberId,
    uniqueKeyId,
    type,
    domain: text(fields.domain),
    city: text(fields.city),
    country: text(fields.country),
    subscriberUrl,
    signingPublicKey,
    encrPublicKey: text(fields.encrPublicKey),
    validFrom,
    validUntil,
    status: status.toUpperCase(),
    created: instant(fields.created),
    updated: instant(fields.updated),
  };
}

/** The lookup request body in the naming our registry profile uses (PROFILE.md, Registry). */
export function lookupRequestBody(filter: LookupFilter): Record<string, string> {
  const body: Record<string, string> = {};
  if (filter.subscriberId !== undefined) body.subscriber_id = filter.subscriberId;
  if (filter.uniqueKeyId !== undefined) body.unique_key_id = filter.uniqueKeyId;
  if (filter.type !== undefined) body.type = filter.type;
  if (filter.domain !== undefined) body.domain = filter.domain;
  if (filter.city !== undefined) body.city = filter.city;
  if (filter.country !== undefined) body.country = filter.country;
  return body;
}

/**
 * Registries differ in which filters they honour (some return every key of
 * a subscriber whatever ukId was asked for), so identity and role are
 * re-checked here.
 */
export function matchesFilter(record: SubscriberRecord, filter: LookupFilter): boolean {
  return (
    (filter.subscriberId === undefined || record.subscriberId === filter.subscriberId) &&
    (filter.uniqueKeyId === undefined || record.uniqueKeyId === filter.uniqueKeyId) &&
    (filter.type === undefined || record.type === filter.type)
  );
}
