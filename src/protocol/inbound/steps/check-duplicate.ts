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
 * store that accepted the message (the inbox) is the durable one, asked when
 * the claim is missing or still pending: a claim lost with Redis, or one whose
 * confirmation failed after the inbox committed, cannot make a retry run twice.
 */
export const checkDuplicate: Step = async (message, deps) => {
  const store = deps.correlation;
  const key = seenKey(message);
  const windowMs = deps.settings.duplicateWindowSeconds * 1000;
  const remember = (sha256: string) => store.set(key, `done:${sha256}`, windowMs);

  if (await store.setIfAbsent(key, `pending:${message.bodySha256}`, windowMs)) {
    // Released on any refusal from here on, a failing inbox lookup included, so no claim is left pending by a message never accepted.
    message.releaseClaim = async () => {
      await store.delete(key);
    };
    const accepted = await deps.acceptedBodySha256(message);
    if (accepted === null) {
      message.confirmClaim = () => remember(message.bodySha256);
      return;
    }
    if (accepted !== message.bodySha256) throw mismatch();
    await remember(accepted);
    message.duplicate = true;
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
