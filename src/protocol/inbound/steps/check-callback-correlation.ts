import { findSentRequest, isKnownTransaction } from '../../correlation/index.js';
import { NackError } from '../../errors/index.js';
import type { Step } from './step.js';

/** Callbacks a BPP may push on its own, with a fresh message_id, for a transaction it knows. */
const unsolicited = new Set(['on_status', 'on_update', 'on_cancel', 'on_track']);

/**
 * A callback answers a request this BAP sent (same message_id, matching
 * action and transaction, within the request's ttl: 20009 otherwise), or is
 * an unsolicited update of a transaction this BAP started (20008 otherwise).
 */
export const checkCallbackCorrelation: Step = async (message, deps) => {
  const context = message.context ?? {};
  const bapId = deps.settings.identities.bap.subscriberId;
  const sent = await findSentRequest(deps.correlation, bapId, context.message_id ?? '');
  if (sent) {
    if (`on_${sent.action}` !== message.action || sent.transactionId !== context.transaction_id) {
      throw new NackError('UNKNOWN_TRANSACTION', `message_id answers ${sent.action} of another transaction or action`, '/context/message_id');
    }
    if (deps.clock().getTime() > sent.deadline) throw new NackError('LATE_CALLBACK', `callback arrived after the ttl of its ${sent.action}`, '/context/message_id');
    return;
  }
  if (!(await isKnownTransaction(deps.correlation, bapId, context.transaction_id ?? ''))) {
    throw new NackError('UNKNOWN_TRANSACTION', 'callback for a transaction this BAP never started', '/context/transaction_id');
  }
  if (!unsolicited.has(message.action)) throw new NackError('UNKNOWN_TRANSACTION', `${message.action} answers no request this BAP sent`, '/context/message_id');
};
