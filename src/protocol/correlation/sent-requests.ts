import type { CorrelationStore } from '../../infra/correlation/index.js';

/**
 * What a BAP remembers of the requests it sent, so a callback can be matched
 * to its request (message_id), judged late (after the request's ttl) or
 * refused as belonging to no transaction of ours. Kept in the shared store:
 * any replica may receive the callback.
 */
export interface SentRequest {
  action: string;
  transactionId: string;
  messageId: string;
  /** Epoch ms after which a solicited callback is late. */
  deadline: number;
}

/** Late callbacks must still be recognised as ours (20009, not 20008) for a while after the deadline. */
const lateRecognitionMs = 24 * 3_600_000;

const sentKey = (bapId: string, messageId: string) => `beckn:sent:${bapId}:${messageId}`;
const transactionKey = (bapId: string, transactionId: string) => `beckn:txn:${bapId}:${transactionId}`;

export async function recordSentRequest(
  store: CorrelationStore,
  bapId: string,
  request: SentRequest,
  transactionRetentionMs: number,
): Promise<void> {
  const keepMs = Math.max(1, request.deadline - Date.now()) + lateRecognitionMs;
  await Promise.all([
    store.set(sentKey(bapId, request.messageId), JSON.stringify(request), keepMs),
    store.set(transactionKey(bapId, request.transactionId), '1', transactionRetentionMs),
  ]);
}

export async function findSentRequest(store: CorrelationStore, bapId: string, messageId: string): Promise<SentRequest | null> {
  const value = await store.get(sentKey(bapId, messageId));
  return value === null ? null : (JSON.parse(value) as SentRequest);
}

export async function isKnownTransaction(store: CorrelationStore, bapId: string, transactionId: string): Promise<boolean> {
  return (await store.get(transactionKey(bapId, transactionId))) !== null;
}

