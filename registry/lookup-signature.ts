import { AppError } from '../src/infra/http/index.js';
import { parseAuthorizationHeader, SignatureHeaderError, verifyParsedAuthorization } from '../src/protocol/signing/index.js';
import { isCurrentlyValid } from './subscribe-authority.js';
import type { RegistryRecord, SubscriberStore } from './subscriber-store.js';

export interface LookupSignatureDeps {
  store: SubscriberStore;
  now: Date;
  clockSkewSeconds: number;
  /** Refuse a lookup without a signature (ONDC's v2.0 lookup); otherwise only a signature that is sent is checked. */
  required: boolean;
}

const unauthorized = (message: string) => new AppError('UNAUTHORIZED', message);

/**
 * A signed lookup: `Authorization: Signature …` over the raw lookup body,
 * made as for a Beckn message by a currently valid SUBSCRIBED key of any
 * participant. Resolves with the signer, or null for an unsigned lookup the
 * registry accepts; throws 401 otherwise. A signature that is sent is always
 * checked, so a caller learns when its signing is wrong.
 */
export async function verifyLookupSignature(
  header: string | undefined,
  rawBody: Uint8Array,
  deps: LookupSignatureDeps,
): Promise<RegistryRecord | null> {
  // Other schemes (a bearer token sent to every route) are not a signature: the lookup counts as unsigned.
  if (header === undefined || !/^\s*Signature\s/i.test(header)) {
    if (deps.required) throw unauthorized('lookup needs an Authorization: Signature header by a subscribed key');
    return null;
  }
  let params;
  try {
    params = parseAuthorizationHeader(header);
  } catch (error) {
    if (error instanceof SignatureHeaderError) throw unauthorized(`signature header: ${error.message}`);
    throw error;
  }
  const keyId = `${params.subscriberId}|${params.uniqueKeyId}`;
  const signer = await deps.store.find(params.subscriberId, params.uniqueKeyId);
  if (signer === null || !isCurrentlyValid(signer, deps.now)) throw unauthorized(`key ${keyId} is not a currently valid subscribed key`);
  const verdict = verifyParsedAuthorization(params, rawBody, signer.signingPublicKey, {
    nowSeconds: Math.floor(deps.now.getTime() / 1000),
    clockSkewSeconds: deps.clockSkewSeconds,
  });
  if (!verdict.ok) throw unauthorized(`signature by ${keyId}: ${verdict.detail}`);
  return signer;
}
