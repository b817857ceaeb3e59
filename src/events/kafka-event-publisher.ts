import type { Kafka, Message, Producer } from 'kafkajs';
import { needsNewProducer } from '../infra/kafka/index.js';
import type { Logger } from '../infra/logging/logger.js';
import type { BusinessEvent } from './event-catalog.js';
import { PublishTimeoutError, SerialQueue, withTimeout, type EventPublisher } from './event-publisher.js';

export interface KafkaEventPublisherOptions {
  kafka: Kafka;
  topic: string;
  logger: Logger;
  /** Bound on connecting the producer (kafkajs keeps retrying a refused connection for half a minute). */
  connectTimeoutMs?: number;
  /** Bound on one produce request, so the relay never holds its outbox transaction longer. */
  sendTimeoutMs?: number;
}

/** Kafka headers of every business event record. */
export const EVENT_TYPE_HEADER = 'event_type';
export const EVENT_VERSION_HEADER = 'event_version';

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_SEND_TIMEOUT_MS = 15_000;
/** kafkajs' own retries inside one send, as the message log relay does: failures reach the relay, which backs off. */
const PRODUCER_RETRIES = 2;

/**
 * The Kafka record of one event: keyed by subject id, so the events of one
 * search, booking, ride or driver stay on one partition, in order.
 */
export function toEventMessage(event: BusinessEvent): Message {
  return {
    key: event.subject_id,
    value: JSON.stringify(event),
    headers: { [EVENT_TYPE_HEADER]: event.event_type, [EVENT_VERSION_HEADER]: String(event.event_version) },
  };
}

/**
 * Publishes business events to one keyed topic with acks from all in-sync
 * replicas, through one idempotent producer kept for the publisher's life.
 * Batches go out one at a time.
 *
 * After a failed send, a retry of exactly the same events goes out on the
 * same producer, whose sequence numbers kafkajs rewound, so the broker drops
 * a copy it had written. Any other batch after a failure gets a new producer
 * first: resent sequence numbers on different records would be taken for
 * duplicates and dropped. A producer the broker no longer accepts
 * (needsNewProducer) or a send that timed out is replaced too.
 */
export function createKafkaEventPublisher(options: KafkaEventPublisherOptions): EventPublisher {
  const { kafka, topic } = options;
  const logger = options.logger.child({ component: 'event-publisher' });
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const sendTimeoutMs = options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  const queue = new SerialQueue();
  let producer: Producer | null = null;
  let connected: Promise<void> | null = null;
  /** Event ids of the last send that failed on the current producer. */
  let failedBatch: string[] | null = null;
  let closed = false;

  function dropProducer(): void {
    const old = producer;
    producer = null;
    connected = null;
    failedBatch = null;
    // Not awaited: a connect or send still retrying no longer matters.
    void old?.disconnect().catch((error: unknown) => logger.debug({ err: error }, 'business event producer disconnect failed'));
  }

  async function connectedProducer(): Promise<Producer> {
    if (closed) throw new Error(`business event publisher (topic ${topic}) is closed`);
    producer ??= kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: PRODUCER_RETRIES } });
    const current = producer;
    connected ??= current.connect();
    try {
      await withTimeout(connected, connectTimeoutMs, `Kafka producer did not connect within ${connectTimeoutMs} ms`);
    } catch (error) {
      if (producer === current) dropProducer();
      throw error;
    }
    return current;
  }

  return {
    target: `kafka topic ${topic}`,
    connect: () => queue.run(async () => void (await connectedProducer())),
    publish(events) {
      return queue.run(async () => {
        if (events.length === 0) return;
        const ids = events.map((event) => event.event_id);
        if (failedBatch !== null && !sameIds(failedBatch, ids)) dropProducer();
        const current = await connectedProducer();
        try {
          await withTimeout(current.send({ topic, acks: -1, messages: events.map(toEventMessage) }), sendTimeoutMs, `Kafka did not acknowledge ${events.length} events within ${sendTimeoutMs} ms`);
          failedBatch = null;
        } catch (error) {
          if (error instanceof PublishTimeoutError || needsNewProducer(error)) dropProducer();
          else failedBatch = ids;
          throw error;
        }
      });
    },
    close() {
      return queue.run(async () => {
        if (closed) return;
        closed = true;
        const old = producer;
        producer = null;
        connected = null;
        await old?.disconnect().catch((error: unknown) => logger.debug({ err: error }, 'business event producer disconnect failed'));
      });
    },
  };
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
