import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Sequelize } from 'sequelize';
import type { Config } from './config/index.js';
import { checkClickHouse, createClickHouse, ensureDatabase, runClickHouseMigrations, type ClickHouseClient } from './infra/clickhouse/index.js';
import {
  createMemoryCorrelationStore,
  createRedisCorrelationStore,
  type CorrelationStore,
} from './infra/correlation/index.js';
import type { ReadinessCheck } from './infra/health/index.js';
import { checkKafka, createKafka, ensureTopics, type TopicSpec } from './infra/kafka/index.js';
import { createMemoryRateLimiter, createRedisRateLimiter, type RateLimiter } from './infra/rate-limit/index.js';
import { auditRoutes, createClickHouseAuditStore, createFileAuditStore, loadPiiRules } from './audit/read/index.js';
import { checkpointSchedule } from './audit/transparency/index.js';
import { messageTopicSpec } from './audit/write/index.js';
import { analyticsRoutes, createClickHouseAnalyticsStore, createFileAnalyticsStore } from './analytics/index.js';
import { createEventRelay, createKafkaEventPublisher, eventTopicSpec, openFileEventPublisher, type EventRelay } from './events/index.js';
import type { RouteSpec } from './infra/http/index.js';
import { buildBecknNetwork, type BecknNetwork } from './beckn-network.js';
import { sourceTreePath } from './source-tree.js';
import { bapSettingsOf, riderRoutes, type BapDeps } from './bap/index.js';
import { defineBppModels, driverRoutes, haversineRoutePlanner, operatorRoutes, type BppModels, type RoutePlanner } from './bpp/index.js';
import { createMemoryDriverLocationStore, createRedisDriverLocationStore, type DriverLocationStore } from './infra/geo/index.js';
import { createFieldCipher, type FieldCipher } from './infra/crypto/field-cipher.js';
import type { Logger } from './infra/logging/logger.js';
import { createMetrics, type Metrics } from './infra/metrics/index.js';
import { checkPostgres, createSequelize, poolStats, runMigrations, startEmbeddedPostgres } from './infra/postgres/index.js';
import {
  createMemoryScheduler,
  createRedisScheduler,
  type Scheduler,
  type SchedulerOptions,
} from './infra/scheduler/index.js';
import { Teardown } from './infra/teardown.js';
import { createJuspayGateway, startPaymentSimulator, type PaymentGateway, type WebhookAuth } from './payments/gateway/index.js';

/** Everything a request handler or background worker may use, built once per process. */
export interface AppContext {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  sequelize: Sequelize;
  redis: Redis | null;
  correlation: CorrelationStore;
  scheduler: Scheduler;
  kafka: Kafka | null;
  clickhouse: ClickHouseClient | null;
  /** The Beckn layer: protocol (routes, handlers, sender), dev registry, message log. */
  beckn: BecknNetwork;
  /** The compliance API's routes, over ClickHouse when the log flows there, else over the log file. */
  auditRoutes: RouteSpec[];
  /** The provider side's operator API, its analytics included (empty unless this process plays the BPP). */
  operatorRoutes: RouteSpec[];
  /** The driver app's API and the operator's driver-token routes (empty unless this process plays the BPP). */
  driverRoutes: RouteSpec[];
  /** The rider app's API and the operator's rider registration (empty unless this process plays the BAP). */
  riderRoutes: RouteSpec[];
  /** What the rider side's handlers and routes are built from. */
  bap: BapDeps;
  /** The provider side's models (tables from migrations). */
  bppModels: BppModels;
  /** Drivers' live positions and ride trails: Redis GEO when Redis is configured, in memory otherwise. */
  driverLocations: DriverLocationStore;
  /** Distance and duration between two points for estimates. */
  routePlanner: RoutePlanner;
  /** The payment gateway (the in-process simulator when PAYMENT_GATEWAY_URL is unset); it verifies the gateway's webhooks too. */
  paymentGateway: PaymentGateway;
  /** Publishes both sides' business event outboxes (to Kafka, or to EVENTS_FILE without it). */
  eventRelay: EventRelay;
  /** Fixed-window counters shared by the replicas (Redis) or in process: Beckn senders and REST API tokens. */
  rateLimiter: RateLimiter;
  /** Dependency checks behind /health/ready, by name. */
  readiness: Record<string, ReadinessCheck>;
  lifecycle: { draining: boolean };
  /** Starts background work (scheduler polling) once handlers are registered. */
  start(): void;
  /** Closes everything in reverse order of construction. */
  destroy(): Promise<void>;
}

/** Test seams: anything given here is used instead of what config would build. */
export interface ContextOverrides {
  metrics?: Metrics;
  kafkaTopics?: TopicSpec[];
  clickhouseMigrationsDir?: string;
}

/** A driver who has not sent a fix for this long is not offered rides. */
const DRIVER_LOCATION_STALE_AFTER_SECONDS = 60;
/** Haversine route estimate: city roads run ~30% longer than the crow flies, at an average city speed. */
const ROUTE_ROAD_FACTOR = 1.3;
const ROUTE_AVERAGE_SPEED_KMPH = 25;

const clickhouseMigrationsDir = sourceTreePath(new URL('../migrations/clickhouse/', import.meta.url));

async function buildPostgres(config: Config, logger: Logger, teardown: Teardown, cipher: FieldCipher): Promise<Sequelize> {
  let url: string;
  if (config.postgres.kind === 'url') {
    url = config.postgres.url;
  } else {
    const embedded = await startEmbeddedPostgres({ dataDir: config.postgres.dataDir, logger });
    teardown.add('embedded-postgres', () => embedded.close());
    url = embedded.url;
  }
  // Every pool gets the cap, so a stuck query cannot hold a request (or a start-up) forever.
  const { statementTimeoutMs } = config.postgres;
  if (config.postgres.kind === 'url') {
    const sequelize = createSequelize({ url, logger, poolMax: config.postgres.poolMax, statementTimeoutMs, applicationName: 'beckn-ride' });
    teardown.add('postgres', () => sequelize.close());
    if (config.migrateOnStart) await runMigrations({ sequelize, logger, cipher });
    return sequelize;
  }
  // The embedded server runs one PGlite session for every connection and
  // interleaves the extended-protocol messages of concurrent connections
  // outside transactions, so the service talks to it over one connection.
  // Migrations need two (one holds their lock) and run before anything else.
  if (config.migrateOnStart) {
    const migrator = createSequelize({ url, logger, poolMax: 2, statementTimeoutMs, applicationName: 'beckn-ride-migrate' });
    try {
      await runMigrations({ sequelize: migrator, logger, cipher });
    } finally {
      await migrator.close();
    }
  }
  const sequelize = createSequelize({ url, logger, poolMax: 1, statementTimeoutMs, applicationName: 'beckn-ride' });
  teardown.add('postgres', () => sequelize.close());
  return sequelize;
}

async function buildRedis(config: Config, teardown: Teardown): Promise<Redis | null> {
  if (!config.redis) return null;
  const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 3, connectTimeout: 5_000 });
  teardown.add('redis', async () => {
    await redis.quit();
  });
  await redis.connect();
  return redis;
}

async function buildClickHouse(config: Config, logger: Logger, teardown: Teardown, overrides: ContextOverrides) {
  if (!config.clickhouse) return null;
  const { url, database } = config.clickhouse;
  if (config.migrateOnStart) await ensureDatabase(url, database);
  const client = createClickHouse({ url, database, logger });
  teardown.add('clickhouse', () => client.close());
  if (config.migrateOnStart) {
    await runClickHouseMigrations(client, overrides.clickhouseMigrationsDir ?? clickhouseMigrationsDir, logger);
  }
  return client;
}

async function buildKafka(config: Config, logger: Logger, teardown: Teardown, overrides: ContextOverrides) {
  if (!config.kafka) return null;
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger });
  const admin = kafka.admin();
  teardown.add('kafka-admin', () => admin.disconnect());
  await admin.connect();
  const topics = [messageTopicSpec(config.audit), eventTopicSpec(config.events), ...(overrides.kafkaTopics ?? [])];
  if (config.migrateOnStart) await ensureTopics(kafka, topics, logger);
  return { kafka, admin };
}

/** The business event relay over both sides' outboxes; stopped before Postgres and Kafka close (teardown runs in reverse). */
async function buildEventRelay(config: Config, logger: Logger, teardown: Teardown, sequelize: Sequelize, kafka: Kafka | null, metrics: Metrics): Promise<EventRelay> {
  const publisher = kafka
    ? createKafkaEventPublisher({ kafka, topic: config.events.topic, logger })
    : await openFileEventPublisher(config.events.file);
  teardown.add('event-publisher', () => publisher.close());
  const relay = createEventRelay({
    sequelize,
    publisher,
    schemas: ['atlas_app', 'atlas_driver_offer_bpp'],
    pollIntervalMs: config.events.relayPollIntervalMs,
    retentionMs: config.events.retentionMs,
    stopTimeoutMs: Math.floor(config.http.shutdownTimeoutMs / 3),
    logger,
    metrics,
  });
  teardown.add('event-relay', () => relay.stop());
  return relay;
}

/** The gateway account's merchant id and the adapter; without a configured gateway, the simulator with credentials made up for this run. */
async function buildPaymentGateway(config: Config, logger: Logger, teardown: Teardown): Promise<{ gateway: PaymentGateway; merchantId: string }> {
  let account = config.payments.gateway;
  if (!account) {
    const apiKey = randomBytes(24).toString('base64url');
    const merchantId = 'beckn-ride-simulator';
    const webhookAuth: WebhookAuth = { scheme: 'basic', username: 'beckn-ride', password: randomBytes(24).toString('base64url') };
    const simulator = await startPaymentSimulator({
      port: 0,
      apiKey,
      merchantId,
      webhookAuth,
      webhookUrl: `${config.http.publicUrl}/payments/webhook/juspay`,
      logger,
    });
    teardown.add('payment-simulator', () => simulator.close());
    logger.info({ url: simulator.url }, 'PAYMENT_GATEWAY_URL unset: payments go to the in-process simulator');
    account = { url: simulator.url, apiKey, merchantId, webhookAuth };
  }
  // No seenEvents: the webhook route records each event id in the transaction that applies it.
  const gateway = createJuspayGateway({
    baseUrl: account.url,
    apiKey: account.apiKey,
    merchantId: account.merchantId,
    paymentPageClientId: account.merchantId,
    webhookAuth: account.webhookAuth,
    logger,
    timeoutMs: config.payments.timeoutMs,
  });
  return { gateway, merchantId: account.merchantId };
}

/**
 * The composition root: builds every adapter the config asks for (real
 * stores when their URL is set, embedded ones otherwise), runs migrations,
 * and returns the context with a destroy() that tears it all down in order.
 * A failure while building closes whatever was already built.
 */
export async function createContext(config: Config, logger: Logger, overrides: ContextOverrides = {}): Promise<AppContext> {
  const teardown = new Teardown();
  try {
    const metrics = overrides.metrics ?? createMetrics();
    // Built first: migrations that seal stored fields need it too.
    const cipher = createFieldCipher(config.secrets.encryptionKey);
    const sequelize = await buildPostgres(config, logger, teardown, cipher);
    metrics.trackPool('postgres', () => poolStats(sequelize));
    const redis = await buildRedis(config, teardown);
    const clickhouse = await buildClickHouse(config, logger, teardown, overrides);
    const kafka = await buildKafka(config, logger, teardown, overrides);

    const prefix = config.redis?.keyPrefix ?? 'beckn-ride:';
    const correlation = redis ? createRedisCorrelationStore({ redis, prefix, logger }) : createMemoryCorrelationStore({ prefix });
    teardown.add('correlation-store', () => correlation.close());

    const schedulerOptions: SchedulerOptions = {
      pollIntervalMs: config.scheduler.pollIntervalMs,
      leaseMs: config.scheduler.leaseMs,
      concurrency: config.scheduler.concurrency,
      defaultMaxAttempts: config.scheduler.maxAttempts,
      baseBackoffMs: 1_000,
      maxBackoffMs: 5 * 60_000,
      observeLag: (seconds) => metrics.schedulerLag.observe(seconds),
    };
    const scheduler = redis
      ? createRedisScheduler({ redis, prefix, logger, options: schedulerOptions })
      : createMemoryScheduler({ logger, options: schedulerOptions });
    teardown.add('scheduler', () => scheduler.stop(config.http.shutdownTimeoutMs));
    metrics.trackDepth('scheduler', async () => (await scheduler.stats()).pending);

    const rateLimiter = redis ? createRedisRateLimiter({ redis, prefix }) : createMemoryRateLimiter();
    const beckn = await buildBecknNetwork({ config, sequelize, correlation, rateLimiter, kafka: kafka?.kafka ?? null, metrics, logger }, teardown);

    const auditStore =
      clickhouse && kafka ? createClickHouseAuditStore(clickhouse) : createFileAuditStore(config.beckn.messageLogFile, { logger });
    const audit = auditRoutes({
      store: auditStore,
      registry: beckn.protocol.registry,
      auditorToken: config.secrets.auditorToken,
      piiToken: config.audit.piiToken,
      piiRules: await loadPiiRules(config.audit.piiRulesFile ?? undefined),
      logger,
      clockSkewSeconds: config.beckn.clockSkewSeconds,
      checkpointDir: config.audit.checkpoints.dir,
    });
    const checkpoints = checkpointSchedule(config.audit.checkpoints, auditStore, config.secrets.signingPrivateKey, logger);
    teardown.add('checkpoint-publisher', () => checkpoints.stop());

    const bppModels = defineBppModels(sequelize);
    const driverLocations = redis
      ? createRedisDriverLocationStore({ redis, prefix, staleAfterSeconds: DRIVER_LOCATION_STALE_AFTER_SECONDS })
      : createMemoryDriverLocationStore({ prefix, staleAfterSeconds: DRIVER_LOCATION_STALE_AFTER_SECONDS });
    const routePlanner = haversineRoutePlanner({ roadFactor: ROUTE_ROAD_FACTOR, averageSpeedKmph: ROUTE_AVERAGE_SPEED_KMPH });
    // The provider side's operator, analytics and driver routes exist only where this process plays the BPP.
    const provider = config.beckn.roles.includes('bpp');
    const providerDriverRoutes = provider
      ? driverRoutes({
          sequelize,
          adminToken: config.secrets.adminToken,
          cipher,
          driverLocations,
          sender: beckn.protocol.sender,
          scheduler,
        })
      : [];

    const payments = await buildPaymentGateway(config, logger, teardown);
    const eventRelay = await buildEventRelay(config, logger, teardown, sequelize, kafka?.kafka ?? null, metrics);
    const providerOperatorRoutes = provider
      ? operatorRoutes({
          models: bppModels,
          sequelize,
          adminToken: config.secrets.adminToken,
          cipher,
          payouts: { sequelize, gateway: payments.gateway, logger },
        })
      : [];
    // The analytics read the events where the relay sends them: ClickHouse (loaded by the sink from Kafka) or the local event file.
    const analytics = provider
      ? analyticsRoutes({
          store: clickhouse && kafka ? createClickHouseAnalyticsStore(clickhouse) : createFileAnalyticsStore(config.events.file, { logger }),
          adminToken: config.secrets.adminToken,
        })
      : [];
    const bap: BapDeps = {
      sequelize,
      cipher,
      correlation,
      sender: beckn.protocol.sender,
      scheduler,
      adminToken: config.secrets.adminToken,
      settings: bapSettingsOf(config),
      logger,
      payments: {
        gateway: payments.gateway,
        merchantId: payments.merchantId,
        publicUrl: config.http.publicUrl,
        statusCheck: config.payments.statusCheck,
      },
    };
    const rider = config.beckn.roles.includes('bap') ? riderRoutes(bap) : [];

    const readiness: Record<string, ReadinessCheck> = {
      postgres: () => checkPostgres(sequelize),
      correlation_store: () => correlation.ping(),
      ...(clickhouse ? { clickhouse: () => checkClickHouse(clickhouse) } : {}),
      ...(kafka ? { kafka: () => checkKafka(kafka.admin) } : {}),
      ...beckn.readiness,
      business_event_relay: () => eventRelay.check(),
    };

    return {
      config,
      logger,
      metrics,
      sequelize,
      redis,
      correlation,
      scheduler,
      kafka: kafka?.kafka ?? null,
      clickhouse,
      beckn,
      rateLimiter,
      auditRoutes: audit,
      operatorRoutes: [...providerOperatorRoutes, ...analytics],
      driverRoutes: providerDriverRoutes,
      riderRoutes: rider,
      bap,
      bppModels,
      driverLocations,
      routePlanner,
      paymentGateway: payments.gateway,
      eventRelay,
      readiness,
      lifecycle: { draining: false },
      start: () => {
        scheduler.start();
        beckn.protocol.start();
        eventRelay.start();
        checkpoints.start();
      },
      destroy: () => teardown.run(logger),
    };
  } catch (error) {
    await teardown.run(logger);
    throw error;
  }
}
