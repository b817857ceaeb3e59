import type { Sequelize } from 'sequelize';
import type { CorrelationStore } from '../infra/correlation/index.js';
import type { RouteSpec } from '../infra/http/index.js';
import type { Logger } from '../infra/logging/logger.js';
import type { Metrics } from '../infra/metrics/index.js';
import type { RateLimiter } from '../infra/rate-limit/index.js';
import { becknRoute } from './beckn-routes.js';
import { HandlerRegistry } from './handlers.js';
import { createInbox, createInboxLoadGauge, createInboxWorker } from './inbound/index.js';
import type { InboundDeps, InboundSettings } from './inbound/inbound-deps.js';
import { admitLoad } from './inbound/steps/index.js';
import type { MessageLog } from './message-log/index.js';
import { createMessageSender, type MessageSender } from './outbound/message-sender.js';
import { createBecknHttpClient, createDeliveryWorker, createOutbox, type Outbox } from './outbound/index.js';
import { createRegistryClient, type LookupSource, type RegistryClient } from './registry-client/index.js';
import { consumerRole } from './roles/consumer-role.js';
import { gatewayRole } from './roles/gateway-role.js';
import { providerRole } from './roles/provider-role.js';
import type { BecknValidator } from './schemas/index.js';
import { onSubscribeRoute, type OnSubscribeSettings } from './on-subscribe-route.js';
import { createQueueMaintenance, type QueueMaintenanceSettings } from './queue-maintenance.js';
import { createSigner, type Signer } from './signing/index.js';

export type BecknRole = 'bap' | 'bpp' | 'gateway';

export interface ProtocolSettings extends InboundSettings {
  roles: readonly BecknRole[];
  uniqueKeyId: string;
  signingPrivateKey: string;
  /** Keys to answer the registry's on_subscribe challenges with; null: no on_subscribe route. */
  onSubscribe?: OnSubscribeSettings | null;
  registryCacheTtlSeconds: number;
  /** Registry answers held in process (keys, subscriber lists); 1,024 unless given. */
  registryCacheMaxEntries?: number;
  /** How long a subscriber list is cached in process; 0 (off) unless given. */
  registryListCacheSeconds?: number;
  defaultTtl: string;
  signatureTtlSeconds: number;
  transactionRetentionMs: number;
  handlerLeaseMs: number;
  delivery: { timeoutMs: number; maxAttempts: number; pollIntervalMs: number; concurrency: number; baseBackoffMs: number; maxBackoffMs: number };
  /** Bounds on the BPP inbox's load past which requests are refused, and how often it is sampled. */
  backpressure: { maxPending: number; waitTtlFraction: number; sampleIntervalMs: number };
  /** Retention and vacuuming of the inbox and outbox tables. */
  queueMaintenance: QueueMaintenanceSettings;
}

export interface ProtocolDeps {
  settings: ProtocolSettings;
  sequelize: Sequelize;
  correlation: CorrelationStore;
  rateLimiter: RateLimiter;
  messageLog: MessageLog;
  validator: BecknValidator;
  lookupSource: LookupSource;
  metrics: Metrics;
  logger: Logger;
  clock?: () => Date;
}

export interface Protocol {
  routes: RouteSpec[];
  handlers: HandlerRegistry;
  sender: MessageSender;
  registry: RegistryClient;
  outbox: Outbox;
  signers: Partial<Record<BecknRole, Signer>>;
  start(): void;
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Assembles the Beckn layer: the registry client, the inbound pipeline of
 * each enabled role, the inbox and its handler worker, the outbox and its
 * delivery worker. Knows nothing about rides: the bap and bpp modules
 * register their handlers on `handlers`.
 */
export function createProtocol(deps: ProtocolDeps): Protocol {
  const { settings, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const enabled = new Set(settings.roles);
  const registry = createRegistryClient({
    source: deps.lookupSource,
    cache: deps.correlation,
    cacheTtlSeconds: settings.registryCacheTtlSeconds,
    memoryCacheMaxEntries: settings.registryCacheMaxEntries ?? 1_024,
    subscriberListTtlSeconds: settings.registryListCacheSeconds ?? 0,
    logger,
    clock,
  });

  const signers: Partial<Record<BecknRole, Signer>> = {};
  for (const role of enabled) {
    const { subscriberId } = settings.identities[role];
    signers[role] = createSigner({ subscriberId, uniqueKeyId: settings.uniqueKeyId, privateKey: settings.signingPrivateKey }, { ttlSeconds: settings.signatureTtlSeconds });
  }

  const handlers = new HandlerRegistry();
  const { delivery } = settings;
  const outbox = createOutbox({ sequelize: deps.sequelize, logger, clock, defaultMaxAttempts: delivery.maxAttempts });
  const deliveryWorker = createDeliveryWorker({
    outbox,
    client: createBecknHttpClient({ timeoutMs: delivery.timeoutMs, logger }),
    signers,
    messageLog: deps.messageLog,
    logger,
    clock,
    deadLetterListener: (action) => handlers.deadLetter(action),
    options: {
      pollIntervalMs: delivery.pollIntervalMs,
      concurrency: delivery.concurrency,
      leaseMs: delivery.timeoutMs * 3,
      baseBackoffMs: delivery.baseBackoffMs,
      maxBackoffMs: delivery.maxBackoffMs,
      signatureTtlSeconds: settings.signatureTtlSeconds,
    },
  });
  deps.metrics.trackDepth('outbox', async () => (await outbox.depth()).pending);
  const wakeDelivery = () => void deliveryWorker.deliverNow();

  const sender = createMessageSender({
    outbox,
    validator: deps.validator,
    correlation: deps.correlation,
    registry,
    identities: { bap: settings.identities.bap, bpp: settings.identities.bpp },
    clock,
    defaultTtl: settings.defaultTtl,
    transactionRetentionMs: settings.transactionRetentionMs,
    wake: wakeDelivery,
  });

  const inbox = createInbox({ sequelize: deps.sequelize, clock, maxAttempts: delivery.maxAttempts });
  const inboxWorker = createInboxWorker({
    inbox,
    sequelize: deps.sequelize,
    handlers,
    sender,
    logger,
    clock,
    options: { pollIntervalMs: delivery.pollIntervalMs, concurrency: delivery.concurrency, leaseMs: settings.handlerLeaseMs, baseBackoffMs: delivery.baseBackoffMs, maxBackoffMs: delivery.maxBackoffMs },
  });
  deps.metrics.trackDepth('inbox', () => inbox.depth());
  const wakeInbox = () => inboxWorker.wake();
  const inboxLoad = createInboxLoadGauge({ sequelize: deps.sequelize, roles: ['bpp'], intervalMs: settings.backpressure.sampleIntervalMs, clock, logger });
  deps.metrics.trackInboxLoad('bpp', () => {
    const load = inboxLoad.read('bpp');
    return load && { pending: load.pending, oldestWaitSeconds: load.oldestWaitMs / 1000 };
  });

  const inboundDeps: InboundDeps = {
    registry,
    validator: deps.validator,
    correlation: deps.correlation,
    rateLimiter: deps.rateLimiter,
    messageLog: deps.messageLog,
    acceptedBodySha256: (message) => inbox.acceptedBodySha256(message),
    metrics: deps.metrics,
    logger,
    clock,
    settings,
  };

  const queueMaintenance = createQueueMaintenance({ sequelize: deps.sequelize, settings: settings.queueMaintenance, metrics: deps.metrics, logger, clock });

  const routes: RouteSpec[] = [];
  // Before the roles' `/:action` routes, which would otherwise take on_subscribe for a Beckn action.
  if (settings.onSubscribe) {
    for (const role of settings.roles) {
      routes.push(onSubscribeRoute(`/beckn/${role}/on_subscribe`, settings.identities[role].subscriberId, settings.onSubscribe, logger));
    }
  }
  if (enabled.has('bpp')) {
    const role = providerRole({ inbox, handlers, wake: wakeInbox, admit: admitLoad(inboxLoad, 'bpp', settings.backpressure) });
    routes.push(becknRoute('/beckn/bpp/:action', null, role, inboundDeps, 'Beckn requests to this BPP (search … support)'));
  }
  if (enabled.has('bap')) {
    const role = consumerRole({ inbox, handlers, sequelize: deps.sequelize, wake: wakeInbox });
    routes.push(becknRoute('/beckn/bap/:action', null, role, inboundDeps, 'Beckn callbacks to this BAP (on_search … on_support)'));
  }
  if (enabled.has('gateway')) {
    const role = gatewayRole({ registry, outbox, sequelize: deps.sequelize, wake: wakeDelivery });
    routes.push(becknRoute('/beckn/gateway/search', 'search', role, inboundDeps, 'Beckn search to the gateway, forwarded to every matching BPP'));
  }

  return {
    routes,
    handlers,
    sender,
    registry,
    outbox,
    signers,
    start() {
      deliveryWorker.start();
      inboxWorker.start();
      if (enabled.has('bpp')) inboxLoad.start();
      queueMaintenance.start();
    },
    async stop(timeoutMs) {
      await Promise.all([inboxWorker.stop(timeoutMs), deliveryWorker.stop(timeoutMs), inboxLoad.stop(), queueMaintenance.stop()]);
    },
  };
}
