import { subscriptionStatuses } from './subscriber-input.js';

const subscriberTypes = ['BAP', 'BPP', 'BG', 'BREG'];
/** A keyId part (BECKN-006): visible ASCII without `|` or `"`. */
const keyIdPart = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21\\x23-\\x7b\\x7d\\x7e]+$' };
const text = { type: 'string', minLength: 1, maxLength: 255 };
const nullableText = { type: ['string', 'null'] };
const dateTime = { type: 'string', format: 'date-time' };

export const lookupRequestSchema = {
  $id: 'beckn-ride/registry-lookup-request',
  type: 'object',
  additionalProperties: false,
  properties: {
    subscriber_id: keyIdPart,
    unique_key_id: keyIdPart,
    // The deployed Beckn registry's name for unique_key_id.
    ukId: keyIdPart,
    // 0.9-era clients send the type in lower case.
    type: { type: 'string', enum: [...subscriberTypes, ...subscriberTypes.map((type) => type.toLowerCase())] },
    domain: text,
    city: text,
    country: text,
  },
};

export const subscribeRequestSchema = {
  $id: 'beckn-ride/registry-subscribe-request',
  type: 'object',
  additionalProperties: false,
  required: ['subscriber_id', 'unique_key_id', 'type', 'subscriber_url', 'signing_public_key', 'valid_from', 'valid_until'],
  properties: {
    subscriber_id: keyIdPart,
    unique_key_id: keyIdPart,
    type: { type: 'string', enum: subscriberTypes },
    domain: text,
    city: text,
    country: text,
    subscriber_url: { type: 'string', format: 'uri', maxLength: 2048 },
    signing_public_key: { type: 'string', maxLength: 100 },
    encr_public_key: { type: 'string', maxLength: 200 },
    valid_from: dateTime,
    valid_until: dateTime,
    replaces_unique_key_id: keyIdPart,
  },
};

export const statusRequestSchema = {
  $id: 'beckn-ride/registry-status-request',
  type: 'object',
  additionalProperties: false,
  required: ['status'],
  properties: { status: { type: 'string', enum: [...subscriptionStatuses] } },
};

const recordProperties = {
  subscriber_id: { type: 'string' },
  unique_key_id: { type: 'string' },
  ukId: { type: 'string' },
  type: { type: 'string', enum: subscriberTypes },
  domain: nullableText,
  city: nullableText,
  country: nullableText,
  subscriber_url: { type: 'string' },
  url: { type: 'string' },
  signing_public_key: { type: 'string' },
  encr_public_key: nullableText,
  valid_from: dateTime,
  valid_until: dateTime,
  status: { type: 'string', enum: [...subscriptionStatuses] },
  created: { type: ['string', 'null'], format: 'date-time' },
  updated: { type: ['string', 'null'], format: 'date-time' },
};
const recordShape = { type: 'object', required: Object.keys(recordProperties), properties: recordProperties };

export const subscriberRecordSchema = { $id: 'beckn-ride/registry-subscriber', ...recordShape };
export const lookupResponseSchema = { $id: 'beckn-ride/registry-lookup-response', type: 'array', items: recordShape };

export const subscribeResponseSchema = {
  $id: 'beckn-ride/registry-subscribe-response',
  type: 'object',
  required: [...Object.keys(recordProperties), 'challenge', 'message'],
  properties: {
    ...recordProperties,
    challenge: { type: 'string', enum: ['SENT', 'NONE'], description: 'SENT: an on_subscribe challenge follows this answer' },
    message: {
      type: 'object',
      required: ['ack'],
      properties: { ack: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ACK'] } } } },
    },
  },
};

export const challengeResponseSchema = {
  $id: 'beckn-ride/registry-challenge',
  type: 'object',
  required: ['subscriber_id', 'unique_key_id', 'status', 'challenge'],
  properties: {
    subscriber_id: { type: 'string' },
    unique_key_id: { type: 'string' },
    status: { type: 'string', enum: [...subscriptionStatuses] },
    challenge: {
      type: ['object', 'null'],
      required: ['state', 'detail', 'sent_at', 'settled_at'],
      properties: {
        state: { type: 'string', enum: ['SENT', 'ANSWERED', 'WRONG_ANSWER', 'UNREACHABLE', 'NOT_SENT'] },
        detail: nullableText,
        sent_at: dateTime,
        settled_at: { type: ['string', 'null'], format: 'date-time' },
      },
    },
  },
};
