import type { Sequelize } from 'sequelize';
import { inSpan } from '../../infra/tracing/index.js';
import type { HandlerRegistry } from '../handlers.js';
import type { Inbox } from '../inbound/index.js';
import type { InboundRole } from '../inbound/run-inbound.js';
import {
  acceptCallbacks,
  bindCallbackSigner,
  checkAddressedToConsumer,
  checkBppUri,
  checkCallbackCorrelation,
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
} from '../inbound/steps/index.js';

export interface ConsumerRoleDeps {
  inbox: Inbox;
  handlers: HandlerRegistry;
  sequelize: Sequelize;
  wake: () => void;
}

/**
 * The BAP's inbound side: callbacks from BPPs. A callback with a rider-side
 * handler is judged and applied in one database transaction before the ACK:
 * a callback inconsistent with what we sent (the handler throws a NackError)
 * is NACKed with the profile's code and changes nothing, and the NACK is in
 * the message log for audit. A callback without a handler waits in the inbox.
 * Handlers announce what they changed to every replica themselves, once
 * their transaction commits (a rider request may be waiting on another one).
 */
export function consumerRole(deps: ConsumerRoleDeps): InboundRole {
  return {
    role: 'bap',
    side: 'bap',
    steps: [acceptCallbacks, requireJson, verifySignature, rateLimit, parseBody, bindCallbackSigner, normalisePaymentSpelling, validateSchema, checkEnvelope, checkTimeWindow, checkAddressedToConsumer, checkBppUri, checkCallbackCorrelation, checkDuplicate],
    async accept(message) {
      const context = message.context ?? {};
      const handler = deps.handlers.callback(message.action);
      if (handler) {
        const attributes = { 'beckn.role': 'bap', 'beckn.action': message.action, 'beckn.transaction_id': context.transaction_id ?? '' };
        const callback = {
          action: message.action as never,
          context,
          message: message.envelope?.message,
          error: message.envelope?.error,
          sender: message.signer?.subscriberId ?? null,
          receivedAt: message.startedAt,
          attempt: 1,
        };
        await inSpan(`beckn.handle ${message.action}`, { attributes }, () => deps.sequelize.transaction((transaction) => handler(callback, transaction)));
      } else {
        if (!settleAgainstInbox(await deps.inbox.accept('bap', message), message)) return;
        deps.wake();
      }
    },
  };
}
