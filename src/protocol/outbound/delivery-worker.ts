import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { coalescedRunner } from '../coalesced-runner.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { MessageLog } from '../message-log/index.js';
import type { Signer } from '../signing/index.js';
import type { BecknHttpClient } from './beckn-http-client.js';
import { attemptDelivery, type AttemptDependencies } from './deliver-entry.js';
import type { DeadLetterListener, Outbox } from './outbox.js';
import type { OutboundRole, OutboxEntry } from './outbox-entry.js';

export interface DeliveryWorkerOptions {
  /** How often the outbox is polled for due entries when nothing wakes the worker. */
  pollIntervalMs: number;
  /** Deliveries in flight at once. */
  concurrency: number;
  /**
   * How long a claimed entry stays leased. Leases are never renewed: an
   * attempt is one POST bounded by the client's timeout, so the lease must
   * exceed twice that (checked at construction), leaving room for signing,
   * the log append and the outbox update.
   */
  leaseMs: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Lifetime of each attempt's signature; the signer's own default when omitted. */
  signatureTtlSeconds?: number;
}

export interface DeliveryWorkerDependencies {
  outbox: Outbox;
  client: BecknHttpClient;
  /** Our signing key per role; an entry of a role without one goes to the dead letters. */
  signers: Partial<Record<OutboundRole, Signer>>;
  messageLog: MessageLog;
  logger: Logger;
  options: DeliveryWorkerOptions;
  clock?: () => Date;
  /** Source of backoff jitter in [0, 1). */
  random?: () => number;
  /**
   * The listener of an action's dead letters, if any: it runs in the
   * transaction that moves an entry of that action to the dead letters
   * (refused, undeliverable after its attempts, or unsignable).
   */
  deadLetterListener?: (action: string) => DeadLetterListener | undefined;
  /** Told the outbox depth after every timed poll (for a gauge). */
  onDepth?: (depth: { pending: number; dead: number }) => void;
}

export interface DeliveryWorker {
  /** Unique per worker instance; the outbox lease owner. */
  readonly owner: string;
  start(): void;
  /** Stops claiming and waits up to `timeoutMs` for deliveries in flight; their leases cover the rest. */
  stop(timeoutMs: number): Promise<void>;
  /**
   * Claims due entries at once instead of at the next poll (call it right
   * after an enqueue commits) when the worker is idle or a batch of slots is
   * free, else leaves them to the next finished delivery or poll; resolves
   * when the deliveries then in flight have settled. Does nothing unless the
   * worker is started.
   */
  deliverNow(): Promise<void>;
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

export function createDeliveryWorker(dependencies: DeliveryWorkerDependencies): DeliveryWorker {
  const { outbox, client, logger, options } = dependencies;
  for (const name of ['pollIntervalMs', 'concurrency', 'leaseMs', 'baseBackoffMs', 'maxBackoffMs'] as const) {
    assertPositiveInteger(name, options[name]);
  }
  if (options.leaseMs <= 2 * client.timeoutMs) {
    throw new RangeError(`leaseMs (${options.leaseMs}) must exceed twice the HTTP timeout (${client.timeoutMs} ms)`);
  }

  const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  const attempt: AttemptDependencies = {
    outbox,
    client,
    signers: dependencies.signers,
    messageLog: dependencies.messageLog,
    logger,
    owner,
    backoff: { baseBackoffMs: options.baseBackoffMs, maxBackoffMs: options.maxBackoffMs },
    ...(options.signatureTtlSeconds !== undefined ? { signatureTtlSeconds: options.signatureTtlSeconds } : {}),
    clock: dependencies.clock ?? (() => new Date()),
    random: dependencies.random ?? Math.random,
    ...(dependencies.deadLetterListener ? { deadLetterListener: dependencies.deadLetterListener } : {}),
  };

  const inFlight = new Set<Promise<void>>();
  let running = false;
  // Each start begins a new poll chain; a chain from before a stop ends instead of running alongside.
  let generation = 0;
  let timer: NodeJS.Timeout | undefined;

  const launch = (entries: OutboxEntry[]): void => {
    for (const entry of entries) {
      const delivery: Promise<void> = attemptDelivery(entry, attempt)
        .catch((error: unknown) => logger.error({ err: error, outboxId: entry.id }, 'outbound delivery attempt failed'))
        .finally(() => {
          inFlight.delete(delivery);
          // A freed slot may have due entries waiting for it.
          void wake();
        });
      inFlight.add(delivery);
    }
  };

  // Claims come in batches: while deliveries run, a wake-up (a freed slot, a
  // queued message) claims only once a quarter of the slots are free, so a
  // busy worker queries the outbox once per several deliveries instead of
  // once per delivery; the timed poll and an idle worker claim any free slot.
  const batchSize = Math.max(1, Math.ceil(options.concurrency / 4));
  let claimAnyFreeSlot = false;
  const claimRound = async (): Promise<void> => {
    const free = options.concurrency - inFlight.size;
    const minimum = claimAnyFreeSlot || inFlight.size === 0 ? 1 : batchSize;
    claimAnyFreeSlot = false;
    if (free < minimum) return;
    try {
      launch(await outbox.claimDue(owner, free, options.leaseMs));
    } catch (error) {
      logger.error({ err: error }, 'claiming due outbound messages failed');
    }
  };

  /** One claim loop at a time; wake-ups during it ask for one more round. */
  const claims = coalescedRunner(claimRound, () => running);
  const wake = () => claims.run();

  const poll = async (chain: number): Promise<void> => {
    claimAnyFreeSlot = true;
    await wake();
    const current = () => running && chain === generation;
    if (dependencies.onDepth && current()) {
      try {
        dependencies.onDepth(await outbox.depth());
      } catch (error) {
        logger.warn({ err: error }, 'reading the outbox depth failed');
      }
    }
    if (current()) {
      timer = setTimeout(() => void poll(chain), options.pollIntervalMs);
      timer.unref();
    }
  };

  return {
    owner,
    start() {
      if (running) return;
      running = true;
      generation += 1;
      logger.info({ owner, concurrency: options.concurrency }, 'outbound delivery worker started');
      void poll(generation);
    },
    async stop(timeoutMs) {
      running = false;
      clearTimeout(timer);
      await claims.idle();
      if (inFlight.size === 0) return;
      let waited: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.allSettled([...inFlight]).then(() => false),
        new Promise<boolean>((resolve) => {
          waited = setTimeout(() => resolve(true), timeoutMs);
        }),
      ]);
      clearTimeout(waited);
      if (timedOut) logger.warn({ owner, inFlight: inFlight.size }, 'stopped with deliveries in flight; their leases will expire');
    },
    async deliverNow() {
      await wake();
      await Promise.allSettled([...inFlight]);
    },
  };
}
