import type { CorrelationStore } from '../../infra/correlation/index.js';
import { callbackChannel } from '../correlation/index.js';
import type { Inbox } from '../inbox/index.js';
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
  parseBody,
  rateLimit,
  requireJson,
  validateSchema,
  verifySignature,
} from '../inbound/steps/index.js';

/**
 * The BAP's inbound side: callbacks from BPPs. An accepted callback goes to
 * the inbox for the rider-side handler, and its arrival is announced to every
 * replica (a rider request may be waiting on another one).
 */
export function consumerRole(deps: { inbox: Inbox; correlation: CorrelationStore; wake: () => void }): InboundRole {
  return {
    role: 'bap',
    side: 'bap',
    steps: [acceptCallbacks, requireJson, verifySignature, rateLimit, parseBody, bindCallbackSigner, validateSchema, checkEnvelope, checkTimeWindow, checkAddressedToConsumer, checkBppUri, checkCallbackCorrelation, checkDuplicate],
    async accept(message) {
      const context = message.context ?? {};
      await deps.inbox.accept('bap', message);
      deps.wake();
      if (context.transaction_id) {
        await deps.correlation.publish(callbackChannel(context.transaction_id), JSON.stringify({ action: message.action, message_id: context.message_id ?? null }));
      }
    },
  };
}
