import { NackError } from '../../errors/index.js';
import type { InboundMessage } from '../inbound-message.js';
import type { Step } from './step.js';

const seenKey = (message: InboundMessage) =>
  `beckn:seen:${message.role}:${message.signer?.subscriberId ?? '-'}:${message.action}:${message.context?.message_id ?? '-'}`;

/**
 * (sender, action, message_id) is claimed atomically before the message is
 * accepted. A repeat with the same bytes is answered ACK without processing;
 * with other bytes it is refused (409). The claim is `pending` until the
 * message is durably accepted, and released if it is not, so a NACKed
 * message can be sent again.
 */
export const checkDuplicate: Step = async (message, deps) => {
  const store = deps.correlation;
  const key = seenKey(message);
  const windowMs = deps.settings.duplicateWindowSeconds * 1000;
  if (await store.setIfAbsent(key, `pending:${message.bodySha256}`, windowMs)) {
    message.releaseClaim = async () => {
      await store.delete(key);
    };
    message.confirmClaim = async () => {
      await store.set(key, `done:${message.bodySha256}`, windowMs);
    };
    return;
  }
  const seen = (await store.get(key)) ?? '';
  const [state, digest] = seen.split(':');
  if (digest !== message.bodySha256) {
    throw new NackError('DUPLICATE_MISMATCH', 'message_id already used by this sender for this action with a different body', '/context/message_id');
  }
  if (state !== 'done') throw new NackError('INTERNAL', 'an identical message is still being accepted; retry shortly');
  message.duplicate = true;
};
