import { performance } from 'node:perf_hooks';
import type { Logger } from '../../infra/logging/logger.js';
import { contextFromCarrier, currentTraceIds, inSpan } from '../../infra/tracing/index.js';
import type { MessageLog } from '../message-log/index.js';
import { supportedAlgorithm, type Signer } from '../signing/index.js';
import { fullJitterDelayMs, type BackoffOptions } from '../../infra/backoff/index.js';
import type { BecknHttpClient } from './beckn-http-client.js';
import { classifyOutcome } from './delivery-verdict.js';
import { withSignature, withTraceContext, type SignedHeaders } from './outbound-headers.js';
import { outboundRecord } from './outbound-record.js';
import type { DeadLetterListener, Outbox } from './outbox.js';
import type { OutboundRole, OutboxEntry } from './outbox-entry.js';

export interface AttemptDependencies {
  outbox: Outbox;
  client: BecknHttpClient;
  signers: Partial<Record<OutboundRole, Signer>>;
  messageLog: MessageLog;
  logger: Logger;
  /** The lease owner that claimed the entry. */
  owner: string;
  backoff: BackoffOptions;
  /** Lifetime of each attempt's signature; the signer's default when omitted. */
  signatureTtlSeconds?: number;
  clock: () => Date;
  random: () => number;
  /** The listener told of a dead entry of this action, run in the transaction that marks it dead. */
  deadLetterListener?: (action: string) => DeadLetterListener | undefined;
}

function signEntry(entry: OutboxEntry, signer: Signer, deps: AttemptDependencies): SignedHeaders {
  const header = signer.sign(entry.body, {
    nowSeconds: Math.floor(deps.clock().getTime() / 1000),
    ...(deps.signatureTtlSeconds !== undefined ? { ttlSeconds: deps.signatureTtlSeconds } : {}),
  });
  return withSignature(entry.extraHeaders, header);
}

/**
 * One delivery attempt of a claimed entry, in a span that continues the
 * trace of the work that queued it (stored with the entry), so the receiver,
 * handed our `traceparent`, joins that trace too.
 */
export function attemptDelivery(entry: OutboxEntry, deps: AttemptDependencies): Promise<void> {
  return inSpan(
    `beckn.deliver ${entry.action}`,
    {
      parent: contextFromCarrier(entry.traceContext),
      attributes: {
        'beckn.role': entry.role,
        'beckn.action': entry.action,
        'beckn.transaction_id': entry.transactionId ?? '',
        'beckn.message_id': entry.messageId ?? '',
        'beckn.attempt': entry.attempts,
        'url.full': entry.targetUrl,
      },
    },
    () => deliver(entry, deps),
  );
}

/**
 * One delivery attempt of a claimed entry: sign the stored bytes afresh (a
 * retry hours later needs a signature that has not expired), POST them,
 * log exactly one message record, then settle the entry. The record is
 * appended before the outbox is updated: a crash in between re-sends the
 * message (and logs that attempt too) rather than leaving a sent message
 * unlogged.
 */
async function deliver(entry: OutboxEntry, deps: AttemptDependencies): Promise<void> {
  const { outbox, logger, owner } = deps;
  const log = logger.child({
    outboxId: entry.id,
    role: entry.role,
    action: entry.action,
    transaction_id: entry.transactionId ?? undefined,
    attempt: entry.attempts,
  });

  const markDead = (outcome: { reason: string; error: string; httpStatus: number | null }) =>
    outbox.markDead(entry.id, owner, outcome, deps.deadLetterListener?.(entry.action));

  const signer = deps.signers[entry.role];
  let sent: SignedHeaders;
  try {
    if (!signer) throw new Error(`no signing key is configured for role ${entry.role}`);
    sent = withTraceContext(signEntry(entry, signer, deps));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error({ error: message }, 'outbound message cannot be signed; moved to dead letters');
    await markDead({ reason: 'cannot sign', error: message, httpStatus: null });
    return;
  }

  const startedAt = deps.clock();
  const started = performance.now();
  const outcome = await deps.client.post(entry.targetUrl, entry.body, sent.headers);
  const latencyMs = Math.round(performance.now() - started);
  const finishedAt = deps.clock();

  const record = outboundRecord({
    entry,
    sender: signer.subscriberId,
    keyId: `${signer.subscriberId}|${signer.uniqueKeyId}|${supportedAlgorithm}`,
    sent,
    outcome,
    startedAt,
    finishedAt,
    latencyMs,
    traceId: currentTraceIds()?.trace_id ?? null,
  });
  try {
    await inSpan('beckn.message_log.append', {}, () => deps.messageLog.append(record));
  } catch (error) {
    log.error({ err: error, recordId: record.id }, 'outbound message record could not be written');
  }

  const verdict = classifyOutcome(outcome);
  if (verdict.kind === 'delivered') {
    log.info({ httpStatus: verdict.httpStatus, latencyMs }, 'outbound message delivered');
    await outbox.markDelivered(entry.id, owner, verdict.httpStatus);
  } else if (verdict.kind === 'dead') {
    log.warn({ reason: verdict.reason, error: verdict.error }, 'outbound message refused; moved to dead letters');
    await markDead({ reason: verdict.reason, error: verdict.error, httpStatus: verdict.httpStatus });
  } else if (entry.attempts >= entry.maxAttempts) {
    const reason = `gave up after ${entry.attempts} attempts`;
    log.warn({ reason, error: verdict.error }, 'outbound message undeliverable; moved to dead letters');
    await markDead({ reason, error: verdict.error, httpStatus: verdict.httpStatus });
  } else {
    const delayMs = fullJitterDelayMs(entry.attempts, deps.backoff, deps.random);
    const nextAttemptAt = new Date(deps.clock().getTime() + delayMs);
    log.info({ error: verdict.error, delayMs }, 'outbound delivery failed; will retry');
    await outbox.reschedule(entry.id, owner, { error: verdict.error, httpStatus: verdict.httpStatus, nextAttemptAt });
  }
}
