import { Redis, type RedisOptions } from 'ioredis';
import { testServices, uniqueTestPrefix } from '../support/services.js';

export interface RedisFixture {
  prefix: string;
  /** A new connection, closed by cleanup(). */
  connect(options?: RedisOptions): Redis;
  /** Quits the connections and deletes every key under the prefix. */
  cleanup(): Promise<void>;
}

export function createRedisFixture(label: string): RedisFixture {
  const prefix = uniqueTestPrefix(label);
  const clients: Redis[] = [];
  const connect = (options: RedisOptions = {}): Redis => {
    const client = new Redis(testServices.redisUrl, { maxRetriesPerRequest: 2, ...options });
    clients.push(client);
    return client;
  };
  return {
    prefix,
    connect,
    async cleanup() {
      const admin = connect();
      const keys = await keysUnder(admin, prefix);
      if (keys.length > 0) await admin.del(...keys);
      await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
    },
  };
}

/** Keys under the prefix, for tests that check what the adapters leave behind. */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}
