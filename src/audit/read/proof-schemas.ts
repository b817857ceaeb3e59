import type { JsonSchema } from '../../infra/validation/index.js';

const base64Hash = { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$', description: 'Base64 of a 32-byte SHA-256 hash' };
const treeSize = { type: 'integer', minimum: 0, maximum: 9007199254740991 };
const period = { type: 'string', pattern: '^(19[7-9]\\d|20\\d\\d)-(0[1-9]|1[0-2])$', description: 'A UTC month, YYYY-MM: the records started in it form one tree' };

export const ondcLogQuerySchema = {
  $id: 'beckn-ride/audit-ondc-log-query',
  type: 'object',
  additionalProperties: false,
  properties: { flow: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{0,64}$', description: 'Flow id the log is submitted for (empty unless given)' } },
} satisfies JsonSchema;

export const ondcLogSchema = {
  $id: 'beckn-ride/audit-ondc-log',
  type: 'object',
  required: ['domain', 'version', 'flow', 'bap_id', 'bpp_id', 'payload'],
  properties: {
    domain: { type: 'string' },
    version: { type: 'string' },
    flow: { type: 'string' },
    bap_id: { type: 'string' },
    bpp_id: { type: 'string' },
    payload: { type: 'object', description: 'Message bodies by action; repeated actions suffixed by fulfillment state or rank', additionalProperties: { type: 'object' } },
  },
} satisfies JsonSchema;

export const inclusionQuerySchema = {
  $id: 'beckn-ride/audit-inclusion-query',
  type: 'object',
  additionalProperties: false,
  required: ['recordId', 'treeSize'],
  properties: {
    recordId: { type: 'string', format: 'uuid' },
    treeSize: { ...treeSize, minimum: 1, description: 'tree_size of the checkpoint the proof is checked against' },
  },
} satisfies JsonSchema;

export const inclusionProofSchema = {
  $id: 'beckn-ride/audit-inclusion-proof',
  type: 'object',
  required: ['record_id', 'period', 'leaf_index', 'tree_size', 'leaf_hash', 'audit_path', 'root_hash'],
  properties: {
    record_id: { type: 'string', format: 'uuid' },
    period,
    leaf_index: treeSize,
    tree_size: treeSize,
    leaf_hash: base64Hash,
    audit_path: { type: 'array', items: base64Hash, description: 'RFC 9162 2.1.3.1 inclusion proof, leaf to root' },
    root_hash: { ...base64Hash, description: 'The root the log computes now for tree_size; a checkpoint of that size must hold the same' },
  },
} satisfies JsonSchema;

export const consistencyQuerySchema = {
  $id: 'beckn-ride/audit-consistency-query',
  type: 'object',
  additionalProperties: false,
  required: ['period', 'first', 'second'],
  properties: { period, first: { ...treeSize, minimum: 1 }, second: { ...treeSize, minimum: 1 } },
} satisfies JsonSchema;

export const consistencyProofSchema = {
  $id: 'beckn-ride/audit-consistency-proof',
  type: 'object',
  required: ['period', 'first', 'second', 'proof', 'first_root', 'second_root'],
  properties: {
    period,
    first: treeSize,
    second: treeSize,
    proof: { type: 'array', items: base64Hash, description: 'RFC 9162 2.1.4.1 consistency proof' },
    first_root: base64Hash,
    second_root: base64Hash,
  },
} satisfies JsonSchema;

export const checkpointsQuerySchema = {
  $id: 'beckn-ride/audit-checkpoints-query',
  type: 'object',
  additionalProperties: false,
  required: ['period'],
  properties: { period },
} satisfies JsonSchema;

export const checkpointListSchema = {
  $id: 'beckn-ride/audit-checkpoints',
  type: 'object',
  required: ['period', 'checkpoints'],
  properties: {
    period,
    checkpoints: {
      type: 'array',
      description: 'As published, oldest first; see README "Tamper evidence" for the signed text',
      items: {
        type: 'object',
        required: ['origin', 'period', 'tree_size', 'root_hash', 'covers_before', 'timestamp', 'public_key', 'signature'],
        properties: {
          origin: { type: 'string' },
          period,
          tree_size: treeSize,
          root_hash: base64Hash,
          covers_before: { type: 'string' },
          timestamp: { type: 'string' },
          public_key: { type: 'string' },
          signature: { type: 'string' },
        },
      },
    },
  },
} satisfies JsonSchema;
