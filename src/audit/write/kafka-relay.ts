import kafkajs, { type Kafka, type Message, type Producer } from 'kafkajs';
import { fullJitterDelayMs } from '../../infra/backoff/index.js';
import { needsNewProducer, useLz4Codec } from '../../infra/kafka/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import { createRecordPartitioner, toRelayRequest, type RelayRequest } from './relay-request.js';
import type { Spool, SpoolBatch } from './spool.js';

/** How the relay's record batches travel: LZ4 by default; GZIP is kafkajs' own codec. */
export type RelayCompression = 'lz4' | 'gzip' | 'none';

export interface RelaySettings {
  /** Most records per produce request. */
  batchSize: number;
  /** Most bytes of spool lines read for one produce request (each partition's share is bounded apart, see relay-request.ts). */
  batchBytes: number;
  compression: RelayCompression;
  /** How long the relay waits after the first new record for more to join the batch. */
  lingerMs: number;
  /** Cap of the backoff between failed attempts (exponential from 200 ms, full jitter). */
  maxBackoffMs: number;
  /** Once records have waited this long for a produce request to succeed, the spool's readiness check fails. */
  stalledAfterMs: number;
  /** How long `stop` keeps shipping what is left before giving up. */
  closeTimeoutMs: number;
}

export interface RelayState {
  /** A produce request is in flight. */
  shipping: boolean;
  lastShippedAt: Date | null;
  /** The last failure since the last success; null while healthy. */
  lastError: string | null;
  /**
   * When the relay began trying to ship the batch it has not yet shipped;
   * null while idle or once that succeeded. Also covers a first attempt still
   * retrying inside kafkajs, which reports no error for half a minute.
   */
  stalledSince: Date | null;
  shippedRecords: number;
}

interface Outgoing {
  spool: SpoolBatch;
  messages: Message[];
  sent: boolean;
}

const COMPRESSION_TYPES = {
  lz4: kafkajs.CompressionTypes.LZ4,
  gzip: kafkajs.CompressionTypes.GZIP,
  none: kafkajs.CompressionTypes.None,
} satisfies Record<RelayCompression, kafkajs.CompressionTypes>;
const FIRST_BACKOFF_MS = 200;
/**
 * kafkajs' own retries inside one `send`. Finite, so failures reach the relay
 * state and the relay's capped backoff paces retries; it then resends exactly
 * the same messages on the same producer, whose sequence numbers kafkajs
 * rewound when the request failed, so the broker still drops a copy it had
 * written. (kafkajs warns once per producer that limited retries may break
 * idempotence; resending identical batches is what keeps it.)
 */
const PRODUCER_RETRIES = 2;

class Abandoned extends Error {
  constructor() {
    super('message log relay stopped');
  }
}

/**
 * Ships the spool to Kafka in order, one produce request at a time, and
 * moves the spool checkpoint only after Kafka acknowledged (acks from all
 * in-sync replicas). Failures are retried with capped exponential backoff;
 * the records stay in the spool meanwhile.
 *
 * A request carries up to `batchBytes` of records, compressed (LZ4 by
 * default), at most about 1 MB per partition. The idempotent producer keeps
 * one request in flight per broker (kafkajs holds a lock per broker while a
 * request is out, as Kafka's sequence numbers need), so instead of a second
 * request the relay reads and encodes the next batch from the spool while
 * the current one is in flight.
 *
 * Delivery is exactly once while the process lives; across a crash between
 * Kafka's acknowledgement and the checkpoint, or a request that failed on
 * some brokers only, a record can be shipped twice, and the sink keeps one
 * row per record id.
 */
export class KafkaRelay {
  private producer: Producer | null = null;
  private connected = false;
  private partitionOf: ((message: Message) => number) | null = null;
  private loop: Promise<void> | null = null;
  private wakeIdle: (() => void) | null = null;
  private wakeBackoff: (() => void) | null = null;
  private appendedSinceRead = false;
  private abandon: (error: Abandoned) => void = () => undefined;
  private readonly abandoned: Promise<never>;
  private draining = false;
  private drainDeadline = Infinity;
  private readonly current: RelayState = { shipping: false, lastShippedAt: null, lastError: null, stalledSince: null, shippedRecords: 0 };

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly spool: Spool,
    private readonly settings: RelaySettings,
    private readonly logger: Logger,
  ) {
    this.abandoned = new Promise<never>((_resolve, reject) => {
      this.abandon = reject;
    });
    this.abandoned.catch(() => undefined);
    if (settings.compression === 'lz4') useLz4Codec();
    spool.onAppended(() => {
      this.appendedSinceRead = true;
      this.wakeIdle?.();
    });
  }

  start(): void {
    this.loop ??= this.run().catch((error: unknown) => {
      if (!(error instanceof Abandoned)) this.logger.error({ err: error }, 'message log relay stopped unexpectedly');
    });
  }

  state(): RelayState {
    return { ...this.current };
  }

  /**
   * Ships what is left within `closeTimeoutMs` (gives up at once when the
   * last attempt failed), then disconnects. Whatever is not shipped stays in
   * the spool.
   */
  async stop(): Promise<void> {
    this.draining = true;
    this.drainDeadline = Date.now() + this.settings.closeTimeoutMs;
    if (this.current.lastError !== null) this.abandon(new Abandoned());
    this.wakeIdle?.();
    this.wakeBackoff?.();
    const timer = setTimeout(() => this.abandon(new Abandoned()), this.settings.closeTimeoutMs);
    try {
      await this.loop;
    } finally {
      clearTimeout(timer);
    }
    await this.dropProducer();
  }

  private async run(): Promise<void> {
    let outgoing: Outgoing | null = null;
    /** The batch after `outgoing`, read while it was in flight. */
    let next: Outgoing | null = null;
    let failures = 0;
    for (;;) {
      try {
        if (!outgoing) {
          if (this.draining && Date.now() >= this.drainDeadline) return;
          outgoing = next;
          next = null;
          if (!outgoing) {
            this.appendedSinceRead = false;
            this.current.stalledSince ??= new Date();
            outgoing = await this.read();
            if (!outgoing) {
              this.current.stalledSince = null;
              if (this.draining) return;
              await this.idle();
              continue;
            }
          }
          this.current.stalledSince ??= new Date();
        }
        if (!outgoing.sent) {
          const sending = this.send(outgoing.messages);
          const ahead: Promise<Outgoing | null> = next ? Promise.resolve(next) : this.readAhead(outgoing.spool);
          try {
            await sending;
          } finally {
            next = await ahead;
          }
          outgoing.sent = true;
        }
        await this.spool.acknowledge(outgoing.spool);
        this.succeeded(outgoing.messages.length);
        outgoing = null;
        failures = 0;
      } catch (error) {
        if (error instanceof Abandoned) return;
        this.failed(error);
        if (this.draining) return;
        if (needsNewProducer(error)) await this.dropProducer();
        failures += 1;
        await this.backoff(fullJitterDelayMs(failures, { baseBackoffMs: FIRST_BACKOFF_MS, maxBackoffMs: this.settings.maxBackoffMs }));
      }
    }
  }

  /** The next request's records from the spool (after `after` when given), or null when nothing waits. */
  private async read(after?: SpoolBatch): Promise<Outgoing | null> {
    const batch = await this.spool.readBatch(this.settings.batchSize, this.settings.batchBytes, after?.end);
    if (!batch) return null;
    const request = toRelayRequest(batch, await this.partitioner());
    this.reportSkipped(request);
    return { spool: request.spool, messages: request.messages, sent: false };
  }

  /**
   * Reads the batch after `current` while it is in flight. A failure here
   * only loses the head start: the loop reads that batch again once
   * `current` is acknowledged.
   */
  private async readAhead(current: SpoolBatch): Promise<Outgoing | null> {
    if (this.draining) return null;
    try {
      return await this.read(current);
    } catch (error) {
      this.logger.debug({ err: error }, 'message log relay: reading ahead failed');
      return null;
    }
  }

  private reportSkipped(request: RelayRequest): void {
    for (const line of request.skipped) {
      // Only a damaged disk produces such a line; shipping stops for nothing, but the loss is loud.
      this.logger.error({ spoolPosition: request.spool.end, line: line.subarray(0, 500).toString('utf8'), bytes: line.length }, 'message log spool: a line is not a record and is skipped');
    }
  }

  /** Placement by the topic's partition count, fetched once per producer (a topic given more partitions is seen after the next one). */
  private async partitioner(): Promise<(message: Message) => number> {
    if (this.partitionOf) return this.partitionOf;
    const admin = this.kafka.admin();
    try {
      await this.unlessAbandoned(admin.connect());
      const { topics } = await this.unlessAbandoned(admin.fetchTopicMetadata({ topics: [this.topic] }));
      const partitions = topics.find((t) => t.name === this.topic)?.partitions ?? [];
      if (partitions.length === 0) throw new Error(`Kafka topic ${this.topic} has no partitions`);
      this.partitionOf = createRecordPartitioner(this.topic, partitions);
      return this.partitionOf;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async send(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    const producer = await this.connectedProducer();
    this.current.shipping = true;
    try {
      await this.unlessAbandoned(producer.send({ topic: this.topic, acks: -1, messages, compression: COMPRESSION_TYPES[this.settings.compression] }));
    } finally {
      this.current.shipping = false;
    }
  }

  /**
   * One producer for the relay's life, so its id and sequence numbers carry
   * over failed attempts; a failed connect is retried on the same producer.
   */
  private async connectedProducer(): Promise<Producer> {
    this.producer ??= this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: PRODUCER_RETRIES } });
    if (!this.connected) {
      await this.unlessAbandoned(this.producer.connect());
      this.connected = true;
    }
    return this.producer;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    this.connected = false;
    this.partitionOf = null;
    // A connect still retrying is not awaited: its result no longer matters.
    await producer?.disconnect().catch((error: unknown) => this.logger.debug({ err: error }, 'message log relay: producer disconnect failed'));
  }

  /** Races a Kafka call against `stop` giving up; the call itself may still finish in the background. */
  private unlessAbandoned<T>(work: Promise<T>): Promise<T> {
    work.catch(() => undefined);
    return Promise.race([work, this.abandoned]);
  }

  /** Waits for an append (or `stop`), then lingers briefly so a burst ships as one request. */
  private async idle(): Promise<void> {
    if (!this.appendedSinceRead) {
      await new Promise<void>((resolve) => {
        this.wakeIdle = () => {
          this.wakeIdle = null;
          resolve();
        };
      });
    }
    if (!this.draining && this.settings.lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, this.settings.lingerMs));
  }

  /** Sleeps `ms` after a failure; only `stop` cuts it short, so a busy spool does not hammer a broker that is down. */
  private backoff(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeBackoff = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeBackoff = done;
    });
  }

  private succeeded(records: number): void {
    if (this.current.lastError !== null && this.current.stalledSince) {
      this.logger.info({ stalledForMs: Date.now() - this.current.stalledSince.getTime(), depth: this.spool.depth() }, 'message log relay: Kafka reachable again, shipping the spool');
    }
    this.current.lastShippedAt = new Date();
    this.current.lastError = null;
    this.current.stalledSince = null;
    this.current.shippedRecords += records;
  }

  private failed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.current.lastError === null) {
      this.logger.warn({ err: error, depth: this.spool.depth() }, 'message log relay: shipping to Kafka failed, records stay in the spool');
    } else {
      this.logger.debug({ err: error }, 'message log relay: still failing');
    }
    this.current.lastError = message;
  }
}
