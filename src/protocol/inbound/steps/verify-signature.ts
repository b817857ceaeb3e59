import { NackError, type NackReason } from '../../errors/index.js';
import { KeyUnavailableError, type SubscriberRecord } from '../../registry-client/index.js';
import {
  parseAuthorizationHeader,
  SignatureHeaderError,
  verifyParsedAuthorization,
  type SignatureFailure,
} from '../../signing/index.js';
import type { InboundDeps } from '../inbound-deps.js';
import type { InboundMessage } from '../inbound-message.js';
import type { Step } from './step.js';

const reasonOf: Record<SignatureFailure, NackReason> = {
  MISSING_HEADER: 'SIGNATURE_MISSING',
  MALFORMED_HEADER: 'SIGNATURE_MALFORMED',
  UNSUPPORTED_ALGORITHM: 'SIGNATURE_MALFORMED',
  NOT_YET_VALID: 'SIGNATURE_EXPIRED',
  EXPIRED: 'SIGNATURE_EXPIRED',
  BAD_SIGNATURE: 'SIGNATURE_INVALID',
};

/**
 * Verifies one signature header over the raw bytes with the registry key its
 * keyId names (BECKN-006 §3.4): parse, look the key up, check the
 * created/expires window, then digest and Ed25519.
 */
async function verifyHeader(
  value: string,
  message: InboundMessage,
  deps: InboundDeps,
  onKeyId: (keyId: string) => void,
  refuse: (reason: NackReason, detail: string) => NackError,
): Promise<SubscriberRecord> {
  let params;
  try {
    params = parseAuthorizationHeader(value);
  } catch (error) {
    if (error instanceof SignatureHeaderError) throw refuse(reasonOf[error.reason], error.message);
    throw error;
  }
  onKeyId(`${params.subscriberId}|${params.uniqueKeyId}|${params.algorithm}`);
  let signer: SubscriberRecord;
  try {
    signer = await deps.registry.signingKey(params.subscriberId, params.uniqueKeyId, deps.clock());
  } catch (error) {
    if (!(error instanceof KeyUnavailableError)) throw error;
    if (error.reason === 'REGISTRY_UNAVAILABLE') throw new NackError('REGISTRY_UNAVAILABLE', 'registry lookup failed, retry later');
    throw refuse('KEY_UNKNOWN', `key ${params.subscriberId}|${params.uniqueKeyId} cannot verify: ${error.reason}`);
  }
  const verdict = verifyParsedAuthorization(params, message.raw, signer.signingPublicKey, {
    nowSeconds: Math.floor(deps.clock().getTime() / 1000),
    clockSkewSeconds: deps.settings.clockSkewSeconds,
  });
  if (!verdict.ok) throw refuse(reasonOf[verdict.reason], verdict.detail);
  return signer;
}

export const verifySignature: Step = async (message, deps) => {
  const authorization = message.headers.authorization;
  if (!authorization) {
    message.verdict = 'missing';
    throw new NackError('SIGNATURE_MISSING', 'Authorization header is missing');
  }
  message.signer = await verifyHeader(
    authorization,
    message,
    deps,
    (keyId) => (message.keyId = keyId),
    (reason, detail) => {
      message.verdict = 'invalid';
      return new NackError(reason, detail);
    },
  );
  message.verdict = 'valid';

  const gateway = message.headers['x-gateway-authorization'] ?? message.headers['proxy-authorization'];
  if (gateway === undefined) return;
  message.gatewaySigner = await verifyHeader(
    gateway,
    message,
    deps,
    (keyId) => (message.gatewayKeyId = keyId),
    (_reason, detail) => {
      message.gatewayVerdict = 'invalid';
      return new NackError('GATEWAY_SIGNATURE_INVALID', `gateway signature: ${detail}`);
    },
  );
  if (message.gatewaySigner.type !== 'BG') {
    message.gatewayVerdict = 'invalid';
    throw new NackError('GATEWAY_SIGNATURE_INVALID', `gateway header signed by ${message.gatewaySigner.subscriberId}, which is not a gateway`);
  }
  message.gatewayVerdict = 'valid';
};
