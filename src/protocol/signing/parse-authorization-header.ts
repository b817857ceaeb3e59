import { type AuthorizationParams, signedHeaders, supportedAlgorithm } from './authorization-params.js';
import { isKeyIdPart } from './key-id.js';
import { SignatureHeaderError } from './signature-failure.js';
import { decodeStrictBase64 } from './strict-base64.js';

const schemePattern = /^Signature[ \t]+/i;
// One `name="value"` pair and the separator after it. BECKN-006's own example
// puts spaces after commas, so optional blanks are accepted around `,` and `=`.
const paramPattern = /[ \t]*([A-Za-z]+)[ \t]*=[ \t]*"([^"]*)"[ \t]*(,|$)/y;
const paramNames = ['keyId', 'algorithm', 'created', 'expires', 'headers', 'signature'] as const;
type ParamName = (typeof paramNames)[number];
const paramByLowerName = new Map<string, ParamName>(paramNames.map((name) => [name.toLowerCase(), name]));
const unixSecondsPattern = /^\d{1,15}$/;
// Far above any real header (keyIds are short); bounds the work spent on junk.
const maxHeaderLength = 4096;

function malformed(detail: string): SignatureHeaderError {
  return new SignatureHeaderError('MALFORMED_HEADER', detail);
}

/**
 * Strict parser of a Beckn `Signature` header value. Parameters may come in
 * any order; unknown or repeated parameters are refused, as draft-cavage
 * forbids processing a header with duplicated parameters and the Beckn
 * profile defines no others.
 */
export function parseAuthorizationHeader(value: string | undefined): AuthorizationParams {
  if (value === undefined || value.trim() === '') {
    throw new SignatureHeaderError('MISSING_HEADER', 'the signature header is missing or empty');
  }
  if (value.length > maxHeaderLength) throw malformed(`the signature header is longer than ${maxHeaderLength} characters`);
  const raw = readParams(value.trim());
  const keyIdParts = raw.keyId.split('|');
  const [subscriberId = '', uniqueKeyId = '', keyIdAlgorithm = ''] = keyIdParts;
  if (keyIdParts.length !== 3 || !keyIdParts.every(isKeyIdPart)) {
    throw malformed('keyId must be "subscriber_id|unique_key_id|algorithm"');
  }
  if (raw.algorithm !== supportedAlgorithm) {
    throw new SignatureHeaderError('UNSUPPORTED_ALGORITHM', `algorithm "${raw.algorithm}" is not supported; expected "${supportedAlgorithm}"`);
  }
  if (keyIdAlgorithm !== supportedAlgorithm) {
    throw new SignatureHeaderError('UNSUPPORTED_ALGORITHM', `keyId names algorithm "${keyIdAlgorithm}"; expected "${supportedAlgorithm}"`);
  }
  const created = readUnixSeconds('created', raw.created);
  const expires = readUnixSeconds('expires', raw.expires);
  if (expires < created) throw malformed('expires is before created');
  if (raw.headers.trim().split(/[ \t]+/).join(' ') !== signedHeaders) {
    throw malformed(`headers must be "${signedHeaders}"`);
  }
  if (decodeStrictBase64(raw.signature)?.length !== 64) {
    throw malformed('signature must be the standard base64 of 64 bytes');
  }
  return {
    subscriberId,
    uniqueKeyId,
    algorithm: raw.algorithm,
    created,
    expires,
    headers: signedHeaders,
    signature: raw.signature,
  };
}

function readParams(value: string): Record<ParamName, string> {
  const scheme = schemePattern.exec(value);
  if (scheme === null) throw malformed('the header does not use the Signature scheme');
  const found = new Map<ParamName, string>();
  let position = scheme[0].length;
  for (;;) {
    paramPattern.lastIndex = position;
    const match = paramPattern.exec(value);
    if (match === null) throw malformed(`unexpected text at character ${position} of the signature header`);
    const [, rawName = '', paramValue = '', separator = ''] = match;
    const name = paramByLowerName.get(rawName.toLowerCase());
    if (name === undefined) throw malformed(`unknown parameter "${rawName}"`);
    if (found.has(name)) throw malformed(`parameter "${name}" appears more than once`);
    found.set(name, paramValue);
    position = paramPattern.lastIndex;
    if (separator === '') break;
  }
  const missing = paramNames.filter((name) => !found.has(name));
  if (missing.length > 0) throw malformed(`missing parameter(s): ${missing.join(', ')}`);
  return Object.fromEntries(found) as Record<ParamName, string>;
}

function readUnixSeconds(name: string, value: string): number {
  const seconds = Number(value);
  if (!unixSecondsPattern.test(value) || !Number.isSafeInteger(seconds)) {
    throw malformed(`${name} must be integer Unix seconds, got "${value}"`);
  }
  return seconds;
}
