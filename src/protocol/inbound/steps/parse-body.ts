import { addLogFields } from '../../../infra/logging/logger.js';
import { NackError } from '../../errors/index.js';
import type { BecknEnvelope } from '../beckn-context.js';
import type { Step } from './step.js';

const jsonType = /^application\/(?:[\w.+-]+\+)?json$/i;

export const requireJson: Step = (message) => {
  const type = message.contentType?.split(';')[0]?.trim() ?? '';
  if (!jsonType.test(type)) {
    throw new NackError('UNSUPPORTED_MEDIA_TYPE', `expected application/json, got ${message.contentType ?? 'no content type'}`);
  }
};

/** Parses the kept bytes; only an object with an object `context` goes on. */
export const parseBody: Step = (message) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.raw.toString('utf8'));
  } catch {
    throw new NackError('INVALID_JSON', 'request body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new NackError('INVALID_JSON', 'request body must be a JSON object', '/');
  }
  const envelope = parsed as BecknEnvelope;
  if (envelope.context === null || typeof envelope.context !== 'object' || Array.isArray(envelope.context)) {
    throw new NackError('SCHEMA_INVALID', 'context must be an object', '/context');
  }
  message.envelope = envelope;
  message.context = envelope.context;
  const transactionId = envelope.context.transaction_id;
  if (typeof transactionId === 'string' && /^[0-9a-f-]{36}$/i.test(transactionId)) addLogFields({ transaction_id: transactionId });
};
