import type { Transaction } from 'sequelize';
import type { CorrelationStore } from '../../infra/correlation/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import { bookingChannel } from '../bap-deps.js';
import { announce } from '../callback-record.js';

/** What the callback answering one of our requests said, for the rider request waiting on it (on any replica). */
export interface Reply {
  action: string;
  error?: { code: string; message: string };
  data?: unknown;
}

const REPLY_TTL_MS = 10 * 60_000;
const replyKey = (messageId: string) => `bap:reply:${messageId}`;

type ReplyDeps = { correlation: CorrelationStore; logger: Logger };

/**
 * Once the callback's transaction commits, keeps what it answered under its
 * message_id in the shared store and wakes the booking's listeners, so the
 * request waiting for it finds it whichever replica received the callback.
 */
export function keepReply(deps: ReplyDeps, transaction: Transaction, bookingId: string, messageId: string | undefined, reply: Reply): void {
  transaction.afterCommit(async () => {
    if (messageId) {
      await deps.correlation
        .set(replyKey(messageId), JSON.stringify(reply), REPLY_TTL_MS)
        .catch((error: unknown) => deps.logger.warn({ err: error, messageId }, 'could not keep a callback reply'));
    }
    announce(deps, bookingChannel(bookingId));
  });
}

export async function findReply(correlation: CorrelationStore, messageId: string): Promise<Reply | null> {
  const value = await correlation.get(replyKey(messageId));
  return value === null ? null : (JSON.parse(value) as Reply);
}

/**
 * Sends a request and waits for its callback's reply. The booking's channel
 * is subscribed before the request leaves, so a callback landing on another
 * replica right away still wakes us; each wake looks for the reply under the
 * request's message_id. Null when none came within `timeoutMs`.
 */
export async function sendAndAwait(
  deps: ReplyDeps,
  bookingId: string,
  send: () => Promise<{ messageId: string }>,
  timeoutMs: number,
): Promise<{ messageId: string; reply: Reply | null }> {
  let messageId: string | null = null;
  let settle: (reply: Reply | null) => void = () => undefined;
  const settled = new Promise<Reply | null>((resolve) => {
    settle = resolve;
  });
  let looking = false;
  let again = false;
  const look = async () => {
    if (messageId === null) return;
    if (looking) {
      again = true;
      return;
    }
    looking = true;
    try {
      do {
        again = false;
        const reply = await findReply(deps.correlation, messageId);
        if (reply) settle(reply);
      } while (again);
    } catch (error) {
      deps.logger.warn({ err: error, messageId }, 'could not read a callback reply');
    } finally {
      looking = false;
    }
  };
  const unsubscribe = await deps.correlation.subscribe(bookingChannel(bookingId), () => void look());
  const timer = setTimeout(() => settle(null), timeoutMs);
  try {
    ({ messageId } = await send());
    await look();
    return { messageId, reply: await settled };
  } finally {
    clearTimeout(timer);
    await unsubscribe().catch((error: unknown) => deps.logger.warn({ err: error, bookingId }, 'could not unsubscribe from a booking'));
  }
}
