import type { RouteSpec } from '../infra/http/index.js';
import type { InboundDeps } from './inbound/inbound-deps.js';
import { handleInbound, type InboundRole } from './inbound/run-inbound.js';
import { isBecknAction } from './schemas/index.js';

const ackSchema = {
  $id: 'beckn-ride/beckn-ack',
  type: 'object',
  required: ['message'],
  properties: {
    message: { type: 'object', properties: { ack: { type: 'object', properties: { status: { enum: ['ACK', 'NACK'] } } } } },
    error: {
      type: 'object',
      properties: { type: { type: 'string' }, code: { type: 'string' }, paths: { type: 'string' }, message: { type: 'string' } },
    },
  },
};

const responses = {
  200: { description: 'ACK: the message is accepted and its callback is owed', schema: ackSchema },
  400: { description: 'NACK: body nested too deep, schema or context invalid, stale or late', schema: ackSchema },
  401: { description: 'NACK: signature missing or invalid (WWW-Authenticate / Proxy-Authenticate)', schema: ackSchema },
  409: { description: 'NACK: message_id reused with a different body', schema: ackSchema },
  429: { description: 'NACK: rate limit of the sender, or of refused unsigned messages from its address, exceeded (Retry-After)', schema: ackSchema },
  500: { description: 'NACK: our fault; retry', schema: ackSchema },
};

/**
 * The Beckn endpoint of one role. The body is read raw by the pipeline (the
 * signature covers the bytes), so the route declares no JSON body schema;
 * each action's schema is applied by the pipeline's schema step.
 */
export function becknRoute(path: string, fixedAction: string | null, role: InboundRole, deps: InboundDeps, summary: string): RouteSpec {
  return {
    method: 'post',
    path,
    summary,
    tag: 'beckn',
    signature: {
      scheme: 'becknSignature',
      description: 'Beckn HTTP signature: Signature keyId="{subscriber_id}|{unique_key_id}|ed25519" over the BLAKE2b-512 digest of the body (a gateway adds its own in X-Gateway-Authorization), verified with the key the registry holds for the sender',
    },
    responses,
    handler: async (input, res) => {
      const action = fixedAction ?? input.params.action ?? '';
      if (isBecknAction(action)) res.locals.becknAction = action;
      const answer = await handleInbound(role, action, input.req, deps);
      res.status(answer.status).set(answer.headers).json(answer.body);
    },
  };
}
