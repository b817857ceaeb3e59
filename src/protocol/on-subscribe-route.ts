import { AppError, errorBodySchema, type RouteSpec } from '../infra/http/index.js';
import type { Logger } from '../infra/logging/logger.js';
import { readBody } from './inbound/read-body.js';
import { decryptChallenge } from './signing/index.js';

export interface OnSubscribeSettings {
  /** This service's X25519 private key (X25519_PRIVATE_KEY), raw or PKCS#8 DER, base64. */
  privateKey: string;
  /** The registry's X25519 public key, raw or SubjectPublicKeyInfo DER, base64. */
  registryPublicKey: string;
}

const maxBodyBytes = 4_096;

/** `{subscriber_id, challenge}` from the raw body (Beckn paths read their own bytes), or a 400. */
async function readChallenge(req: Parameters<RouteSpec['handler']>[0]['req']): Promise<{ subscriberId: string; challenge: string }> {
  const body = await readBody(req, maxBodyBytes);
  const refuse = (why: string) => new AppError('VALIDATION_FAILED', `on_subscribe body ${why}`);
  if (body.truncated) throw refuse(`is over ${maxBodyBytes} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.raw.toString('utf8'));
  } catch {
    throw refuse('is not JSON');
  }
  const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const { subscriber_id: subscriberId, challenge } = fields;
  if (typeof subscriberId !== 'string' || subscriberId === '' || typeof challenge !== 'string' || challenge === '') {
    throw refuse('must be {subscriber_id, challenge} with two non-empty strings');
  }
  return { subscriberId, challenge };
}
const answerSchema = {
  $id: 'beckn-ride/on-subscribe-answer',
  type: 'object',
  required: ['answer'],
  properties: { answer: { type: 'string' } },
};

/**
 * `POST {subscriber_url}/on_subscribe`: the registry's challenge after a
 * subscribe, `{subscriber_id, challenge}`, answered at once with
 * `{answer}`, the challenge decrypted with the X25519 shared secret of our
 * encryption key and the registry's (AES-256-ECB, as the registry
 * specification and ONDC's reference utilities do). Only a challenge for the
 * role's own subscriber id is answered.
 */
export function onSubscribeRoute(path: string, subscriberId: string, settings: OnSubscribeSettings, logger: Logger): RouteSpec {
  return {
    method: 'post',
    path,
    summary: `Answers the registry's subscribe challenge for ${subscriberId}: {subscriber_id, challenge} in, {answer} out`,
    tag: 'beckn',
    responses: {
      200: { description: 'The decrypted challenge', schema: answerSchema },
      400: { description: 'Not a {subscriber_id, challenge} JSON body, or a challenge that does not decrypt with our key and the registry\'s', schema: errorBodySchema },
      404: { description: 'The challenge names another subscriber', schema: errorBodySchema },
    },
    handler: async ({ req }, res) => {
      const { subscriberId: named, challenge } = await readChallenge(req);
      if (named !== subscriberId) throw new AppError('NOT_FOUND', `this endpoint answers for ${subscriberId}, not ${named}`);
      let answer: string;
      try {
        answer = decryptChallenge(challenge, settings.privateKey, settings.registryPublicKey);
      } catch (error) {
        logger.warn({ subscriberId, err: (error as Error).message }, 'on_subscribe challenge does not decrypt');
        throw new AppError('VALIDATION_FAILED', 'the challenge does not decrypt with our encryption key and the registry\'s');
      }
      logger.info({ subscriberId }, 'on_subscribe challenge answered');
      res.json({ answer });
    },
  };
}
