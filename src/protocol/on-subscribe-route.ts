import { AppError, errorBodySchema, type RouteSpec } from '../infra/http/index.js';
import type { Logger } from '../infra/logging/logger.js';
import { decryptChallenge } from './signing/index.js';

export interface OnSubscribeSettings {
  /** This service's X25519 private key (X25519_PRIVATE_KEY), raw or PKCS#8 DER, base64. */
  privateKey: string;
  /** The registry's X25519 public key, raw or SubjectPublicKeyInfo DER, base64. */
  registryPublicKey: string;
}

const requestSchema = {
  $id: 'beckn-ride/on-subscribe-request',
  type: 'object',
  required: ['subscriber_id', 'challenge'],
  properties: {
    subscriber_id: { type: 'string', minLength: 1, maxLength: 255 },
    challenge: { type: 'string', minLength: 1, maxLength: 1024 },
  },
};
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
    summary: `Answers the registry's subscribe challenge for ${subscriberId}`,
    tag: 'beckn',
    request: { body: requestSchema },
    responses: {
      200: { description: 'The decrypted challenge', schema: answerSchema },
      400: { description: 'The challenge does not decrypt with our key and the registry\'s', schema: errorBodySchema },
      404: { description: 'The challenge names another subscriber', schema: errorBodySchema },
    },
    handler: ({ body }, res) => {
      const { subscriber_id: named, challenge } = body as { subscriber_id: string; challenge: string };
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
