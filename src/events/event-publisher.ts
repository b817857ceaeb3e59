import type { BusinessEvent } from './event-catalog.js';

/**
 * Where the event relay sends business events: Kafka in the full profile, a
 * local JSON-lines file in the embedded one. `publish` resolves only once
 * every event of the batch is durable there (acknowledged by the in-sync
 * replicas, or written and fsync'd); when it rejects, any of them may or may
 * not have been stored, and the relay publishes the batch again.
 */
export interface EventPublisher {
  /** Where events go, for logs ("kafka topic x", "file y"). */
  readonly target: string;
  /**
   * Gets ready to publish (connects). The relay calls it before it opens the
   * outbox transaction, so a slow connection never holds that transaction.
   */
  connect(): Promise<void>;
  publish(events: BusinessEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** Runs tasks one after the other, each after the previous one settled. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every task queued so far has settled. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

/** Rejects with `message` when `work` takes longer than `ms`; the work itself is not cancelled. */
export async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new PublishTimeoutError(message)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class PublishTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublishTimeoutError';
  }
}
