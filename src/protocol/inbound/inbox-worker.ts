import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import type { Logger } from '../../infra/logging/logger.js';
import { contextFromCarrier, inSpan } from '../../infra/tracing/index.js';
import type { AcceptedMessage, HandlerRegistry } from '../handlers.js';
import type { BecknEnvelope } from './beckn-context.js';
import { hyphenatePaymentSpelling } from './steps/index.js';
import { coalescedRunner } from '../coalesced-runner.js';
import { fullJitterDelayMs } from '../../infra/backoff/index.js';
import type { MessageSender } from '../outbound/message-sender.js';
import type { BecknAction } from '../schemas/index.js';
import type { Inbox, InboxEntry } from './inbox.js';

export interface InboxWorkerOptions {
  pollIntervalMs: number;
  concurrency: number;
  leaseMs: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export interface InboxWorkerDeps {
  inbox: Inbox;
  sequelize: Sequelize;
  handlers: HandlerRegistry;
  sender: MessageSender;
  logger: Logger;
  clock: () => Date;
  options: InboxWorkerOptions;
}

/** Said in the error callback when a request's handler failed for good; details stay in our logs. */
const handlerFailure = { code: '31001', message: 'the request could not be processed' };

function accepted(entry: InboxEntry): AcceptedMessage {
  const envelope = JSON.parse(entry.body.toString('utf8')) as BecknEnvelope;
  // The inbox keeps the bytes as received; handlers read the payment spellings the pipeline read (PRE-ORDER for PRE_ORDER).
  hyphenatePaymentSpelling(envelope.context?.domain, envelope.message);
  return {
    action: entry.action as BecknAction,
    context: envelope.context,
    message: envelope.message,
    error: envelope.error,
    sender: entry.sender,
    receivedAt: entry.receivedAt,
    attempt: entry.attempts,
  };
}

/**
 * Runs the domain handler of each accepted message. For a request, the
 * handler's answer is queued as the callback in the same transaction that
 * closes the inbox entry, so the callback is owed exactly when the entry is
 * done (a handler that defers its answer leaves the callback to the domain). A handler that keeps failing ends in an error callback (the BPP
 * acknowledged, so it must still answer).
 */
export function createInboxWorker(deps: InboxWorkerDeps) {
  const { inbox, options, logger } = deps;
  const owner = `inbox-${randomUUID()}`;
  const running = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;

  /** The handler continues the trace of the request that delivered the message. */
  const settle = (entry: InboxEntry): Promise<void> =>
    inSpan(
      `beckn.handle ${entry.action}`,
      {
        parent: contextFromCarrier(entry.traceContext),
        attributes: { 'beckn.role': entry.role, 'beckn.action': entry.action, 'beckn.transaction_id': entry.transactionId ?? '', 'beckn.attempt': entry.attempts },
      },
      () => runHandler(entry),
    );

  async function runHandler(entry: InboxEntry): Promise<void> {
    const message = accepted(entry);
    try {
      await deps.sequelize.transaction(async (transaction) => {
        if (entry.role === 'bpp') {
          const handler = deps.handlers.request(entry.action);
          if (!handler) throw new Error(`no handler for ${entry.action}`);
          const reply = await handler(message, transaction);
          // A deferred reply's callback is queued by the domain later on.
          if (!('deferred' in reply)) {
            await deps.sender.sendCallback({ action: `on_${entry.action}` as `on_${string}` & BecknAction, context: message.context, reply }, transaction);
          }
        } else {
          await deps.handlers.callback(entry.action)?.(message, transaction);
        }
        await inbox.markDone(entry.id, owner, transaction);
      });
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      logger.error({ err: error, inboxId: entry.id, action: entry.action, attempt: entry.attempts, transaction_id: entry.transactionId }, 'inbox handler failed');
      if (entry.attempts < entry.maxAttempts) {
        const delay = fullJitterDelayMs(entry.attempts, options);
        await inbox.reschedule(entry.id, owner, text, new Date(deps.clock().getTime() + delay));
        return;
      }
      await deps.sequelize.transaction(async (transaction) => {
        if (entry.role === 'bpp') {
          const action = `on_${entry.action}` as `on_${string}` & BecknAction;
          await deps.sender.sendCallback({ action, context: message.context, reply: { error: handlerFailure } }, transaction);
        }
        await inbox.markDead(entry.id, owner, text, transaction);
      });
    }
  }

  // Claims come in batches: while handlers run, a wake-up claims only once a
  // quarter of the slots are free, so a busy worker queries the inbox once per
  // several messages; the timed poll and an idle worker take any free slot.
  const batchSize = Math.max(1, Math.ceil(options.concurrency / 4));
  let claimAnyFreeSlot = false;
  async function claimRound(): Promise<void> {
    const free = options.concurrency - running.size;
    const minimum = claimAnyFreeSlot || running.size === 0 ? 1 : batchSize;
    claimAnyFreeSlot = false;
    if (free < minimum) return;
    try {
      for (const entry of await inbox.claimDue(owner, free, options.leaseMs)) {
        const job: Promise<void> = settle(entry)
          .catch((error: unknown) => logger.error({ err: error, inboxId: entry.id }, 'inbox entry could not be settled'))
          .finally(() => {
            running.delete(job);
            void poll();
          });
        running.add(job);
      }
    } catch (error) {
      logger.error({ err: error }, 'inbox poll failed');
    }
  }

  const claims = coalescedRunner(claimRound, () => !stopped);
  const poll = () => claims.run();

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      claimAnyFreeSlot = true;
      void poll().finally(schedule);
    }, options.pollIntervalMs);
    timer.unref();
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    /** Looks for work at once (called right after a message is accepted). */
    wake() {
      void poll();
    },
    async stop(timeoutMs: number): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await claims.idle();
      const bound = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
      await Promise.race([Promise.allSettled([...running]), bound]);
    },
  };
}

export type InboxWorker = ReturnType<typeof createInboxWorker>;
