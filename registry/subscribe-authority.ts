import { AppError } from '../src/infra/http/index.js';
import {
  parseAuthorizationHeader,
  SignatureHeaderError,
  verifyParsedAuthorization,
  type AuthorizationParams,
} from '../src/protocol/signing/index.js';
import { bearerToken, isAdminToken } from './admin-token.js';
import type { SubscriberRecordInput } from './subscriber-input.js';
import type { RegistryRecord, SubscriberStore } from './subscriber-store.js';

/**
 * Who may write a subscribe request's record:
 * - admin: the network operator (Bearer admin token);
 * - participant: the subscriber itself, signing with one of its currently
 *   valid SUBSCRIBED keys (adding or rotating a key, updating a record);
 * - applicant: a subscriber with no key yet, signing with the key it
 *   registers; the record stays INITIATED until an admin approves it.
 */
export type SubscribeAuthority = { kind: 'admin' } | { kind: 'participant'; signer: RegistryRecord } | { kind: 'applicant' };

export interface AuthorityDeps {
  store: SubscriberStore;
  adminToken: string;
  now: Date;
  clockSkewSeconds: number;
}

const unauthorized = (message: string) => new AppError('UNAUTHORIZED', message);

export function isCurrentlyValid(record: RegistryRecord, now: Date): boolean {
  const time = now.getTime();
  return record.status === 'SUBSCRIBED' && Date.parse(record.validFrom) <= time && time <= Date.parse(record.validUntil);
}

function parseSignature(header: string): AuthorizationParams {
  try {
    return parseAuthorizationHeader(header);
  } catch (error) {
    if (error instanceof SignatureHeaderError) throw unauthorized(`signature header: ${error.message}`);
    throw error;
  }
}

export async function subscribeAuthority(
  header: string | undefined,
  rawBody: Uint8Array,
  input: SubscriberRecordInput,
  deps: AuthorityDeps,
): Promise<SubscribeAuthority> {
  if (header === undefined || header.trim() === '') {
    throw unauthorized('subscribe needs Authorization: Bearer <admin token>, or a Beckn Signature by the subscriber');
  }
  const token = bearerToken(header);
  if (token !== null) {
    if (isAdminToken(token, deps.adminToken)) return { kind: 'admin' };
    throw unauthorized('the bearer token is not the admin token');
  }

  const params = parseSignature(header);
  const keyId = `${params.subscriberId}|${params.uniqueKeyId}`;
  const verify = (publicKey: string): void => {
    const verdict = verifyParsedAuthorization(params, rawBody, publicKey, {
      nowSeconds: Math.floor(deps.now.getTime() / 1000),
      clockSkewSeconds: deps.clockSkewSeconds,
    });
    if (!verdict.ok) throw unauthorized(`signature by ${keyId}: ${verdict.detail}`);
  };

  const signer = await deps.store.find(params.subscriberId, params.uniqueKeyId);
  if (signer !== null && isCurrentlyValid(signer, deps.now)) {
    verify(signer.signingPublicKey);
    if (signer.subscriberId !== input.subscriberId) {
      throw new AppError('FORBIDDEN', `${signer.subscriberId} may only subscribe its own keys, not keys of ${input.subscriberId}`);
    }
    return { kind: 'participant', signer };
  }

  const signsItsOwnRecord = params.subscriberId === input.subscriberId && params.uniqueKeyId === input.uniqueKeyId;
  // A new subscriber has only the key it registers; it may also resend while its record awaits approval.
  if (signsItsOwnRecord && (signer === null || signer.status === 'INITIATED')) {
    verify(signer?.signingPublicKey ?? input.signingPublicKey);
    return { kind: 'applicant' };
  }
  if (signer === null) throw unauthorized(`key ${keyId} is not registered`);
  throw unauthorized(
    `key ${keyId} is not a currently valid subscribed key (status ${signer.status}, valid ${signer.validFrom} to ${signer.validUntil})`,
  );
}
