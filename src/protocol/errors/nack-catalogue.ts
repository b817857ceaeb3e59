/**
 * Every way the protocol layer refuses a message, and how each is answered.
 * Codes follow ONDC-RFC-001 / BECKN-005: the seller side (our BPP receiving
 * requests) answers 3xxxx, the buyer side (our BAP receiving callbacks)
 * 2xxxx, the gateway 1xxxx. HTTP statuses follow PROFILE.md.
 */
export type NackReason =
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_MALFORMED'
  | 'SIGNATURE_INVALID'
  | 'SIGNATURE_EXPIRED'
  | 'KEY_UNKNOWN'
  | 'SIGNER_MISMATCH'
  | 'GATEWAY_SIGNATURE_INVALID'
  | 'INVALID_JSON'
  | 'NESTING_TOO_DEEP'
  | 'ARRAY_TOO_LONG'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNKNOWN_ACTION'
  | 'SCHEMA_INVALID'
  | 'CONTEXT_INVALID'
  | 'CITY_NOT_SUPPORTED'
  | 'STALE_REQUEST'
  | 'LATE_CALLBACK'
  | 'UNKNOWN_TRANSACTION'
  | 'DUPLICATE_MISMATCH'
  | 'RATE_LIMITED'
  | 'OVERLOADED'
  | 'NO_PROVIDERS'
  | 'ACTION_NOT_SUPPORTED'
  | 'REGISTRY_UNAVAILABLE'
  | 'OUT_OF_SEQUENCE'
  | 'PROVIDER_MISMATCH'
  | 'ITEM_MISMATCH'
  | 'QUOTE_CHANGED'
  | 'INVALID_RESPONSE'
  | 'INVALID_ORDER_STATE'
  | 'INTERNAL';

export type NackSide = 'bpp' | 'bap' | 'gateway';
export type ErrorType = 'CONTEXT-ERROR' | 'CORE-ERROR' | 'DOMAIN-ERROR' | 'POLICY-ERROR' | 'JSON-SCHEMA-ERROR';

export interface NackEntry {
  httpStatus: number;
  type: ErrorType;
  /** Code by the side that answers. */
  codes: Record<NackSide, string>;
  /** For 401s: whether the failing header was the gateway's (answered with Proxy-Authenticate). */
  gatewayHeader?: boolean;
}

const signature = { httpStatus: 401, type: 'POLICY-ERROR', codes: { bpp: '30016', bap: '20001', gateway: '10001' } } as const;
const invalid = { bpp: '30000', bap: '20006', gateway: '10000' } as const;
const internal = { bpp: '31001', bap: '23001', gateway: '10000' } as const;

export const nackCatalogue: Readonly<Record<NackReason, NackEntry>> = Object.freeze({
  SIGNATURE_MISSING: signature,
  SIGNATURE_MALFORMED: signature,
  SIGNATURE_INVALID: signature,
  SIGNATURE_EXPIRED: signature,
  KEY_UNKNOWN: signature,
  SIGNER_MISMATCH: signature,
  GATEWAY_SIGNATURE_INVALID: { ...signature, gatewayHeader: true },
  INVALID_JSON: { httpStatus: 400, type: 'JSON-SCHEMA-ERROR', codes: invalid },
  // Refused before any recursive walk of the body (src/protocol/inbound/json-depth.ts).
  NESTING_TOO_DEEP: { httpStatus: 400, type: 'JSON-SCHEMA-ERROR', codes: invalid },
  // Refused before schema validation, whose cost grows faster than linearly on long arrays.
  ARRAY_TOO_LONG: { httpStatus: 400, type: 'JSON-SCHEMA-ERROR', codes: invalid },
  PAYLOAD_TOO_LARGE: { httpStatus: 413, type: 'CORE-ERROR', codes: invalid },
  UNSUPPORTED_MEDIA_TYPE: { httpStatus: 415, type: 'CORE-ERROR', codes: invalid },
  UNKNOWN_ACTION: { httpStatus: 404, type: 'CONTEXT-ERROR', codes: invalid },
  SCHEMA_INVALID: { httpStatus: 400, type: 'JSON-SCHEMA-ERROR', codes: invalid },
  CONTEXT_INVALID: { httpStatus: 400, type: 'CONTEXT-ERROR', codes: invalid },
  CITY_NOT_SUPPORTED: { httpStatus: 400, type: 'CONTEXT-ERROR', codes: { bpp: '30000', bap: '20006', gateway: '10002' } },
  STALE_REQUEST: { httpStatus: 400, type: 'CONTEXT-ERROR', codes: { bpp: '30022', bap: '20002', gateway: '10000' } },
  LATE_CALLBACK: { httpStatus: 400, type: 'CONTEXT-ERROR', codes: { bpp: '30022', bap: '20009', gateway: '10000' } },
  UNKNOWN_TRANSACTION: { httpStatus: 400, type: 'CONTEXT-ERROR', codes: { bpp: '30000', bap: '20008', gateway: '10000' } },
  DUPLICATE_MISMATCH: { httpStatus: 409, type: 'CONTEXT-ERROR', codes: invalid },
  RATE_LIMITED: { httpStatus: 429, type: 'POLICY-ERROR', codes: invalid },
  // The inbox holds more than we can answer within a ttl: our condition, not the sender's fault, so 503 with
  // Retry-After and ONDC's retryable internal-error codes ("cannot process ..., please retry").
  OVERLOADED: { httpStatus: 503, type: 'CORE-ERROR', codes: internal },
  NO_PROVIDERS: { httpStatus: 400, type: 'DOMAIN-ERROR', codes: { bpp: '30001', bap: '20003', gateway: '10000' } },
  ACTION_NOT_SUPPORTED: { httpStatus: 400, type: 'DOMAIN-ERROR', codes: { bpp: '40001', bap: '21001', gateway: '10000' } },
  // A callback that contradicts what this BAP sent or the state of its booking (ONDC 2xxxx buyer-side codes).
  OUT_OF_SEQUENCE: { httpStatus: 400, type: 'DOMAIN-ERROR', codes: { bpp: '30000', bap: '20008', gateway: '10000' } },
  PROVIDER_MISMATCH: { httpStatus: 400, type: 'DOMAIN-ERROR', codes: { bpp: '30001', bap: '20003', gateway: '10000' } },
  ITEM_MISMATCH: { httpStatus: 400, type: 'DOMAIN-ERROR', codes: { bpp: '30004', bap: '20005', gateway: '10000' } },
  QUOTE_CHANGED: { httpStatus: 400, type: 'DOMAIN-ERROR', codes: { bpp: '30000', bap: '21003', gateway: '10000' } },
  INVALID_RESPONSE: { httpStatus: 400, type: 'DOMAIN-ERROR', codes: { bpp: '30000', bap: '20006', gateway: '10000' } },
  INVALID_ORDER_STATE: { httpStatus: 400, type: 'DOMAIN-ERROR', codes: { bpp: '30000', bap: '20007', gateway: '10000' } },
  REGISTRY_UNAVAILABLE: { httpStatus: 500, type: 'CORE-ERROR', codes: internal },
  INTERNAL: { httpStatus: 500, type: 'CORE-ERROR', codes: internal },
});
