/**
 * What the benchmarks that run the service as real processes (`bench:soak`,
 * `bench:ride`) share: the full profile's environment on this machine's
 * services, a Postgres database of each process's own, and the undo of
 * everything a run started (processes, databases, Kafka topics, Redis keys,
 * scratch folders).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createKafka } from '../src/infra/kafka/index.js';
import { createLogger } from '../src/infra/logging/logger.js';
import { freshServerDatabase } from '../test/support/fresh-database.js';
import { startServiceProcess, type ServiceProcess } from '../test/support/service-process.js';
import { testServices } from '../test/support/services.js';
import { freePort, testSecrets } from '../test/support/test-app.js';
import type { TeardownStack } from './bench-target.js';

export interface BenchRun {
  /** Scratch folder of the run (data dirs, seed file), removed at the end. */
  dir: string;
  /** Suffix of every name the run creates. */
  id: string;
  /** The full profile's environment shared by the run's processes (Kafka topics of this run). */
  sharedEnv: Record<string, string>;
  teardown: TeardownStack;
}

export function benchRun(teardown: TeardownStack): BenchRun {
  const id = randomBytes(4).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'beckn-ride-bench-'));
  teardown.push(async () => rmSync(dir, { recursive: true, force: true }));
  const topics = [`bench_test_messages_${id}`, `bench_test_events_${id}`];
  teardown.push(async () => {
    const admin = createKafka({ brokers: testServices.kafkaBrokers, clientId: 'beckn-ride-bench', logger: createLogger('silent') }).admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics }).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  });
  return {
    id,
    dir,
    teardown,
    sharedEnv: {
      LOG_LEVEL: 'warn',
      REDIS_URL: testServices.redisUrl,
      KAFKA_BROKERS: testServices.kafkaBrokers.join(','),
      CLICKHOUSE_URL: testServices.clickhouseUrl,
      CLICKHOUSE_DATABASE: testServices.clickhouseDatabase,
      DEMO_NETWORK: 'false',
      KAFKA_MESSAGE_TOPIC: topics[0] ?? '',
      KAFKA_MESSAGE_TOPIC_PARTITIONS: '2',
      EVENTS_TOPIC: topics[1] ?? '',
      EVENTS_TOPIC_PARTITIONS: '2',
    },
  };
}

export interface BenchService {
  process: ServiceProcess;
  baseUrl: string;
  databaseUrl: string;
  secrets: ReturnType<typeof testSecrets>;
}

/**
 * Starts `src/main.ts` as its own process with a database of its own
 * (created here, dropped at the end) and a Redis prefix of its own (its keys
 * removed at the end). `env` adds to and overrides the shared environment;
 * BENCH_SERVICE_NODE_OPTIONS, when set, is the process's NODE_OPTIONS.
 */
export async function startBenchService(run: BenchRun, label: string, env: Record<string, string>, secrets = testSecrets()): Promise<BenchService> {
  const database = await freshServerDatabase(`bench_${label}`);
  run.teardown.push(() => database.dispose());
  const prefix = `bench-test:${label}:${run.id}:`;
  run.teardown.push(() => removeRedisKeys(prefix));
  const port = env.PORT ?? String(await freePort());
  const service = await startServiceProcess({
    ...run.sharedEnv,
    ...secrets,
    DATABASE_URL: database.url,
    REDIS_KEY_PREFIX: prefix,
    DATA_DIR: join(run.dir, label),
    PORT: port,
    // BENCH_SERVICE_NODE_OPTIONS, e.g. "--inspect=127.0.0.1:9230" to attach a profiler (node refuses --cpu-prof in NODE_OPTIONS).
    ...(process.env.BENCH_SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVICE_NODE_OPTIONS } : {}),
    ...env,
  });
  run.teardown.push(async () => {
    service.child.kill('SIGTERM');
    await service.exited;
  });
  return { process: service, baseUrl: `http://127.0.0.1:${port}`, databaseUrl: database.url, secrets };
}

async function removeRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(testServices.redisUrl, { lazyConnect: true });
  await redis.connect();
  try {
    for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 1000 })) {
      const keys = batch as string[];
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

/** Writes a registry seed file (the records as the registry's wire form takes them) into the run's folder. */
export function writeSeedFile(run: BenchRun, records: Record<string, unknown>[]): string {
  const path = join(run.dir, 'registry-seed.json');
  writeFileSync(path, JSON.stringify(records));
  return path;
}

/** A registry record valid from an hour ago for a day. */
export function seedRecord(subscriberId: string, uniqueKeyId: string, type: 'BAP' | 'BPP', subscriberUrl: string, signingPublicKey: string): Record<string, unknown> {
  return {
    subscriber_id: subscriberId,
    unique_key_id: uniqueKeyId,
    type,
    subscriber_url: subscriberUrl,
    signing_public_key: signingPublicKey,
    valid_from: new Date(Date.now() - 3_600_000).toISOString(),
    valid_until: new Date(Date.now() + 86_400_000).toISOString(),
    status: 'SUBSCRIBED',
  };
}
