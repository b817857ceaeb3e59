import { NackError } from '../errors/index.js';
import type { HandlerRegistry } from '../handlers.js';
import type { Inbox } from '../inbound/index.js';
import type { InboundRole } from '../inbound/run-inbound.js';
import {
  acceptRequests,
  bindRequestSigner,
  checkAddressedToProvider,
  checkBapUri,
  checkDuplicate,
  checkEnvelope,
  checkTimeWindow,
  normalisePaymentSpelling,
  parseBody,
  rateLimit,
  requireJson,
  settleAgainstInbox,
  validateSchema,
  verifySignature,
  type Step,
} from '../inbound/steps/index.js';

/**
 * The BPP's inbound side: requests from BAPs (directly, or through a gateway
 * that adds its own signature). An accepted request goes to the inbox; its
 * handler's answer becomes the callback. `admit` refuses requests while the
 * inbox cannot answer them within their ttl (steps/admit-load.ts); without
 * it every request is admitted.
 */
export function providerRole(deps: { inbox: Inbox; handlers: HandlerRegistry; wake: () => void; admit?: Step }): InboundRole {
  return {
    role: 'bpp',
    side: 'bpp',
    steps: [acceptRequests, requireJson, verifySignature, rateLimit, parseBody, bindRequestSigner, ...(deps.admit ? [deps.admit] : []), normalisePaymentSpelling, validateSchema, checkEnvelope, checkTimeWindow, checkBapUri, checkAddressedToProvider, checkDuplicate],
    async accept(message) {
      if (!deps.handlers.request(message.action)) {
        throw new NackError('ACTION_NOT_SUPPORTED', `this BPP does not serve ${message.action}`);
      }
      if (!settleAgainstInbox(await deps.inbox.accept('bpp', message), message)) return;
      deps.wake();
    },
  };
}
