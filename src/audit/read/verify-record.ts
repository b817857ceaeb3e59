import { createHash } from 'node:crypto';
import type { MessageRecord } from '../../protocol/message-log/index.js';
import { KeyUnavailableError, type RegistryClient, type SubscriberRecord } from '../../protocol/registry-client/index.js';
import {
  blake2b512Base64,
  parseAuthorizationHeader,
  SignatureHeaderError,
  verifyParsedAuthorization,
  type AuthorizationParams,
} from '../../protocol/signing/index.js';
import { storedBytes } from './record-view.js';

export interface SignatureCheck {
  /** The stored header checked. */
  header: string;
  /** unverifiable: nothing is known against it (registry down, body truncated when stored). */
  verdict: 'valid' | 'invalid' | 'missing' | 'unverifiable';
  /** A signature failure (BAD_SIGNATURE, EXPIRED …), a registry reason (UNKNOWN_KEY …) or BODY_TRUNCATED. */
  reason: string | null;
  detail: string | null;
  key_id: string | null;
  /** The registry record whose key was valid at the message's time. */
  key: { subscriber_id: string; unique_key_id: string; type: string; valid_from: string; valid_until: string } | null;
}

export interface VerifyReport {
  record_id: string;
  direction: MessageRecord['direction'];
  action: string;
  /** The time the signatures are judged at: when the message arrived or was sent. */
  message_time: string;
  body: {
    stored_sha256: string;
    computed_sha256: string;
    sha256_matches: boolean;
    truncated: boolean;
    /** BLAKE-512 of the stored bytes, the digest the signature must cover. */
    digest: string;
  };
  authorization: SignatureCheck & { expected_signer: string | null; signer_matches: boolean | null };
  /** X-Gateway-Authorization (or its older name Proxy-Authorization), when one was stored. */
  gateway_authorization: SignatureCheck | null;
  /** What the pipeline recorded when the message passed. */
  recorded: { verdict: string; gateway_verdict: string };
  /** Stored body intact, signatures valid and by the expected signers. */
  ok: boolean;
}

export interface VerifyDeps {
  registry: Pick<RegistryClient, 'signingKey'>;
  clockSkewSeconds: number;
}

type KeyCheck = Omit<SignatureCheck, 'header'>;

function keyOf(record: SubscriberRecord): SignatureCheck['key'] {
  return {
    subscriber_id: record.subscriberId,
    unique_key_id: record.uniqueKeyId,
    type: record.type,
    valid_from: record.validFrom,
    valid_until: record.validUntil,
  };
}

async function checkHeader(value: string | undefined, body: Buffer, truncated: boolean, at: Date, deps: VerifyDeps): Promise<KeyCheck> {
  const none = { key_id: null, key: null };
  if (value === undefined) return { verdict: 'missing', reason: 'MISSING_HEADER', detail: 'no such header was stored', ...none };
  let params: AuthorizationParams;
  try {
    params = parseAuthorizationHeader(value);
  } catch (error) {
    if (!(error instanceof SignatureHeaderError)) throw error;
    return { verdict: 'invalid', reason: error.reason, detail: error.message, ...none };
  }
  const keyId = `${params.subscriberId}|${params.uniqueKeyId}|${params.algorithm}`;
  if (truncated) {
    return { verdict: 'unverifiable', reason: 'BODY_TRUNCATED', detail: 'only the first bytes of the body were stored', key_id: keyId, key: null };
  }
  let signer: SubscriberRecord;
  try {
    signer = await deps.registry.signingKey(params.subscriberId, params.uniqueKeyId, at);
  } catch (error) {
    if (!(error instanceof KeyUnavailableError)) throw error;
    const verdict = error.reason === 'REGISTRY_UNAVAILABLE' ? 'unverifiable' : 'invalid';
    return { verdict, reason: error.reason, detail: error.message, key_id: keyId, key: null };
  }
  const verdict = verifyParsedAuthorization(params, body, signer.signingPublicKey, {
    nowSeconds: Math.floor(at.getTime() / 1000),
    clockSkewSeconds: deps.clockSkewSeconds,
  });
  if (!verdict.ok) return { verdict: 'invalid', reason: verdict.reason, detail: verdict.detail, key_id: keyId, key: keyOf(signer) };
  return { verdict: 'valid', reason: null, detail: null, key_id: keyId, key: keyOf(signer) };
}

/**
 * Re-verifies a stored message from its stored bytes and headers, against
 * the registry key that was valid when the message arrived or was sent (and
 * with the signature window judged at that time). The requester signs a
 * request, the provider a callback; a gateway header must come from a BG.
 */
export async function verifyRecord(record: MessageRecord, deps: VerifyDeps): Promise<VerifyReport> {
  const body = storedBytes(record);
  const at = new Date(record.started_at);
  const computedSha256 = createHash('sha256').update(body).digest('hex');
  const gatewayName = record.headers['x-gateway-authorization'] !== undefined ? 'x-gateway-authorization' : 'proxy-authorization';
  const gatewayValue = record.headers[gatewayName];

  const authorization = await checkHeader(record.headers.authorization, body, record.body_truncated, at, deps);
  let gateway: SignatureCheck | null = null;
  if (gatewayValue !== undefined) {
    gateway = { header: gatewayName, ...(await checkHeader(gatewayValue, body, record.body_truncated, at, deps)) };
    if (gateway.verdict === 'valid' && gateway.key?.type !== 'BG') {
      gateway = { ...gateway, verdict: 'invalid', reason: 'NOT_A_GATEWAY', detail: `signed by a ${gateway.key?.type ?? 'unknown'} key` };
    }
  }

  const expectedSigner = record.action.startsWith('on_') ? record.bpp_id : record.bap_id;
  const signer = authorization.key?.subscriber_id ?? null;
  const signerMatches = expectedSigner === null || signer === null ? null : expectedSigner === signer;
  const sha256Matches = computedSha256 === record.body_sha256;
  return {
    record_id: record.id,
    direction: record.direction,
    action: record.action,
    message_time: record.started_at,
    body: {
      stored_sha256: record.body_sha256,
      computed_sha256: computedSha256,
      sha256_matches: sha256Matches,
      truncated: record.body_truncated,
      digest: `BLAKE-512=${blake2b512Base64(body)}`,
    },
    authorization: { header: 'authorization', ...authorization, expected_signer: expectedSigner, signer_matches: signerMatches },
    gateway_authorization: gateway,
    recorded: { verdict: record.signature.verdict, gateway_verdict: record.signature.gateway_verdict },
    ok: sha256Matches && authorization.verdict === 'valid' && signerMatches !== false && (gateway === null || gateway.verdict === 'valid'),
  };
}
