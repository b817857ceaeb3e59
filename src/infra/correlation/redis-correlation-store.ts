import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';
import type { CorrelationStore, WaitForOptions } from './correlation-store.js';
import { waitForMessage } from './wait-for-message.js';

type Listener = (message: string) => void;

interface ChannelSubscription {
  listeners: Set<Listener>;
  /** Settles when Redis has acknowledged SUBSCRIBE for this channel. */
  ready: Promise<unknown>;
}

export interface RedisCorrelationStoreOptions {
  /** Shared command connection; the store never closes it. */
  redis: Redis;
  /** Prepended (with "corr:") to every key and channel name. */
  prefix: string;
  /** Receives errors of the subscriber connection the store opens. */
  logger?: Logger;
}

/**
 * Correlation store on Redis. Commands go through the shared connection;
 * pub/sub needs a connection of its own, so the store opens one (lazily, on the
 * first subscription) and multiplexes all its channels over it.
 */
export function createRedisCorrelationStore(options: RedisCorrelationStoreOptions): CorrelationStore {
  const { redis, logger } = options;
  // Its own namespace, so correlation keys never collide with locks or the scheduler sharing the prefix.
  const prefix = `${options.prefix}corr:`;
  const channels = new Map<string, ChannelSubscription>();
  let subscriber: Redis | undefined;
  let closed = false;
  let markClosed: () => void = () => undefined;
  const closing = new Promise<void>((resolve) => {
    markClosed = resolve;
  });

  const subscriberConnection = (): Redis => {
    if (subscriber) return subscriber;
    const connection = redis.duplicate();
    if (logger) {
      connection.on('error', (err: Error) => logger.warn({ err }, 'correlation store subscriber connection error'));
    }
    connection.on('message', (channel: string, message: string) => {
      for (const listener of channels.get(channel)?.listeners ?? []) {
        // Run outside ioredis's reply parsing, so a throwing listener cannot disturb the connection.
        queueMicrotask(() => listener(message));
      }
    });
    subscriber = connection;
    return connection;
  };
  /**
   * The subscriber connection, connected and past its ready check: a SUBSCRIBE
   * sent while the ready check's INFO is still due would put the connection in
   * subscriber mode first, fail the check and make ioredis reconnect.
   */
  let subscriberReady: Promise<Redis> | undefined;
  const readySubscriber = (): Promise<Redis> => {
    subscriberReady ??= (async () => {
      const connection = subscriberConnection();
      if (connection.status === 'wait') await connection.connect();
      return connection;
    })().catch((error: unknown) => {
      // Not cached: the next subscribe tries to connect again.
      subscriberReady = undefined;
      throw error;
    });
    return subscriberReady;
  };

  const release = async (name: string, subscription: ChannelSubscription, listener: Listener): Promise<void> => {
    subscription.listeners.delete(listener);
    if (subscription.listeners.size > 0 || channels.get(name) !== subscription) return;
    channels.delete(name);
    if (closed || !subscriber) return;
    // Commands on one connection run in order, so a SUBSCRIBE issued after this one still wins.
    await subscriber.unsubscribe(name).catch((err: unknown) => {
      logger?.warn({ err, channel: name }, 'correlation store unsubscribe failed');
    });
  };

  const subscribe = async (channel: string, onMessage: Listener): Promise<() => Promise<void>> => {
    if (closed) throw new Error('correlation store is closed');
    const name = prefix + channel;
    let subscription = channels.get(name);
    if (!subscription) {
      subscription = { listeners: new Set(), ready: readySubscriber().then((connection) => connection.subscribe(name)) };
      channels.set(name, subscription);
    }
    // A wrapper per call, so the same function subscribed twice is two subscriptions.
    const listener: Listener = (message) => onMessage(message);
    subscription.listeners.add(listener);
    const active = subscription;
    try {
      await active.ready;
    } catch (error) {
      await release(name, active, listener);
      throw error;
    }
    let subscribed = true;
    return async () => {
      if (!subscribed) return;
      subscribed = false;
      await release(name, active, listener);
    };
  };

  return {
    async get(key) {
      return redis.get(prefix + key);
    },
    async set(key, value, ttlMs) {
      assertTtl(ttlMs);
      await redis.set(prefix + key, value, 'PX', ttlMs);
    },
    async setIfAbsent(key, value, ttlMs) {
      assertTtl(ttlMs);
      return (await redis.set(prefix + key, value, 'PX', ttlMs, 'NX')) === 'OK';
    },
    async delete(key) {
      return (await redis.del(prefix + key)) > 0;
    },
    async ttl(key) {
      const remaining = await redis.pttl(prefix + key);
      if (remaining === -2) return null;
      // -1: a key written without a TTL by something other than this port.
      return remaining === -1 ? Number.POSITIVE_INFINITY : remaining;
    },
    async publish(channel, message) {
      await redis.publish(prefix + channel, message);
    },
    subscribe,
    waitFor(channel: string, timeoutMs: number, options?: WaitForOptions) {
      return waitForMessage(subscribe, closing, channel, timeoutMs, options);
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      if (closed) return;
      closed = true;
      markClosed();
      channels.clear();
      if (!subscriber) return;
      await subscriber.quit().catch(() => subscriber?.disconnect());
    },
  };
}

function assertTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
}
