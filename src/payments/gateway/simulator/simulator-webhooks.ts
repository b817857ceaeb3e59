import { randomUUID } from 'node:crypto';
import type { Logger } from '../../../infra/logging/logger.js';
import type { Clock, WebhookAuth } from '../webhook-auth.js';
import { signatureHeader, signatureHeaderValue } from '../webhook-signature.js';

export interface SimulatedEvent {
  id: string;
  eventName: string;
  /** The body exactly as every delivery of this event carries it. */
  rawBody: Buffer;
}

export interface WebhookDelivery {
  eventId: string;
  eventName: string;
  /** The receiver's HTTP status, or 'failed' when it could not be reached. */
  status: number | 'failed';
}

export interface WebhookControl {
  /** Keep new events back instead of delivering them. */
  hold(): void;
  /** Deliver what was held, oldest first or newest first (out of order), each once or twice (duplicates); stops holding. */
  release(options?: { newestFirst?: boolean; duplicate?: boolean }): void;
  /** Deliver an event again, same id and body: what a gateway does when it doubts the first delivery. */
  redeliver(eventId: string): void;
  readonly events: readonly SimulatedEvent[];
  readonly deliveries: readonly WebhookDelivery[];
  /** Resolves once every delivery started so far has finished. */
  idle(): Promise<void>;
}

export interface WebhookSenderOptions {
  url?: string;
  auth: WebhookAuth;
  clock: Clock;
  logger: Logger;
}

const deliveryTimeoutMs = 5_000;

/**
 * Sends the simulator's webhooks one at a time, in the order asked, so a
 * test controls exactly what arrives when. Each delivery is signed afresh
 * with the clock of that moment, as a gateway signs each attempt.
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookControl & { emit(eventName: string, content: unknown): void } {
  const { url, auth, clock, logger } = options;
  const events: SimulatedEvent[] = [];
  const deliveries: WebhookDelivery[] = [];
  let held: SimulatedEvent[] | undefined;
  let queue = Promise.resolve();

  const authHeaders = (rawBody: Buffer): Record<string, string> =>
    auth.scheme === 'basic'
      ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` }
      : { [signatureHeader]: signatureHeaderValue(auth.secret, Math.floor(clock() / 1000), rawBody) };

  const post = async (event: SimulatedEvent): Promise<void> => {
    if (!url) return;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authHeaders(event.rawBody) },
        body: event.rawBody,
        signal: AbortSignal.timeout(deliveryTimeoutMs),
      });
      await response.arrayBuffer();
      deliveries.push({ eventId: event.id, eventName: event.eventName, status: response.status });
    } catch (error) {
      deliveries.push({ eventId: event.id, eventName: event.eventName, status: 'failed' });
      logger.warn({ eventId: event.id, err: (error as Error).message }, 'simulated gateway could not deliver a webhook');
    }
  };

  const deliver = (event: SimulatedEvent): void => {
    queue = queue.then(() => post(event));
  };

  return {
    emit(eventName, content) {
      const id = `evt_${randomUUID()}`;
      const rawBody = Buffer.from(JSON.stringify({ id, event_name: eventName, date_created: new Date(clock()).toISOString(), content }));
      const event = { id, eventName, rawBody };
      events.push(event);
      if (held) held.push(event);
      else deliver(event);
    },
    hold() {
      held ??= [];
    },
    release({ newestFirst = false, duplicate = false } = {}) {
      const released = held ?? [];
      held = undefined;
      for (const event of newestFirst ? [...released].reverse() : released) {
        deliver(event);
        if (duplicate) deliver(event);
      }
    },
    redeliver(eventId) {
      const event = events.find((candidate) => candidate.id === eventId);
      if (!event) throw new Error(`the simulator sent no event ${eventId}`);
      deliver(event);
    },
    events,
    deliveries,
    idle: () => queue,
  };
}
