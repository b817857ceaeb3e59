import type { AuthorizationParams } from './authorization-params.js';
import { formatKeyId } from './key-id.js';

/** Emits the no-space form of the header value (BECKN-006), `Signature ` prefix included. */
export function buildAuthorizationHeader(p: AuthorizationParams): string {
  const keyId = formatKeyId(p.subscriberId, p.uniqueKeyId, p.algorithm);
  for (const [name, value] of [['created', p.created], ['expires', p.expires]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
  if (p.headers.includes('"') || p.signature.includes('"')) throw new RangeError('headers and signature must not contain a quote');
  return (
    `Signature keyId="${keyId}",algorithm="${p.algorithm}",created="${p.created}",` +
    `expires="${p.expires}",headers="${p.headers}",signature="${p.signature}"`
  );
}
