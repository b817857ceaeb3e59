import { NackError } from '../../errors/index.js';
import type { InboundMessage } from '../inbound-message.js';
import type { Step } from './step.js';

const seenKey = (message: InboundMessage) =>
  `beckn:seen:${message.role}:${message.signer?.subscriberId ?? '-'}:${message.action}:${message.context?.message_id ?? '-'}`;

const mismatch = () => new NackError('DUPLICATE_MISMATCH', 'message_id already used by this sender for this action with a different body', '/context/message_id');

/**
 * (sender, action, message_id) is claimed atomically before the message is
 * accepted. A repeat with the same bytes is answered ACK without processing;
 * with other bytes it is refused (409). The claim is `pending` until the
 * message is durably accepted, and released if it is not, so a NACKed
 * message can be sent again. The correlation store is the fast answer; the
 * store that accepts the message (the inbox) is the durable one: a claim
 * still pending is settled against it here, and a claim lost with Redis by
 * the inbox's own accept (`settleAgainstInbox`), so neither a failed
 * confirmation after the inbox committed nor a lost claim makes a retry run
 * twice, and a new message costs no extra lookup.
 */
export const checkDuplicate: Step = async (message, deps) => {
  const store = deps.correlation;
  const key = seenKey(message);
  const windowMs = deps.settings.duplicateWindowSeconds * 1000;
  const remember = (sha256: string) => store.set(key, `done:${sha256}`, windowMs);

  if (await store.setIfAbsent(key, `pending:${message.bodySha256}`, windowMs)) {
    // Released on any refusal from here on, so no claim is left pending by a message never accepted.
    message.releaseClaim = async () => {
      await store.delete(key);
    };
    message.confirmClaim = () => remember(message.bodySha256);
    return;
  }

  const seen = (await store.get(key)) ?? '';
  const [state, digest] = seen.split(':');
  if (digest !== message.bodySha256) throw mismatch();
  if (state !== 'done') {
    if ((await deps.acceptedBodySha256(message)) === null) throw new NackError('INTERNAL', 'an identical message is still being accepted; retry shortly');
    await remember(message.bodySha256);
  }
  message.duplicate = true;
};

/**
 * The inbox's answer to accepting a message: true when it stored it (the
 * handler will run); false when it held the same message already (a retry
 * whose claim was lost), which is then a duplicate; a held message with
 * other bytes is refused as a reused message_id.
 */
export function settleAgainstInbox(answer: { stored: true } | { stored: false; heldBodySha256: string }, message: InboundMessage): boolean {
  if (answer.stored) return true;
  if (answer.heldBodySha256 !== message.bodySha256) throw mismatch();
  message.duplicate = true;
  return false;
}
