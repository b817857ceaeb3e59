import type { Kafka } from 'kafkajs';
import type { Sequelize } from 'sequelize';
import { createRegistry, localLookupSource, type Registry } from '../registry/index.js';
import { openKafkaMessageLog } from './audit/write/index.js';
import type { Config } from './config/index.js';
import { lockDataDir } from './infra/data-dir-lock.js';
import type { CorrelationStore } from './infra/correlation/index.js';
import type { Logger } from './infra/logging/logger.js';
import type { Metrics } from './infra/metrics/index.js';
import type { RouteSpec } from './infra/http/index.js';
import type { RateLimiter } from './infra/rate-limit/index.js';
import { Teardown } from './infra/teardown.js';
import {
  createBecknValidator,
  createKeyRing,
  createProtocol,
  deadLetterRoutes,
  httpLookupSource,
  openFileMessageLog,
  type BecknRole,
  type CurrentKey,
  type MessageLog,
  type Protocol,
  type Signer,
  x25519PublicKeyDer,
} from './protocol/index.js';

const becknRoles: readonly BecknRole[] = ['bap', 'bpp', 'gateway'];
const registryTypes = { bap: 'BAP', bpp: 'BPP', gateway: 'BG' } as const;

export interface BecknNetwork {
  protocol: Protocol;
  registry: Registry | null;
  messageLog: MessageLog;
  /** The operator's routes of the protocol layer (dead letters: list, replay), behind the admin token. */
  adminRoutes: RouteSpec[];
  /** Checks for /health/ready (the spool of the Kafka message log). */
  readiness: Record<string, () => Promise<void>>;
}

/**
 * The message log: with Kafka, a local spool shipped to the topic (durable on
 * disk before a message is answered, even while Kafka is down); otherwise the
 * append-only file the embedded audit API reads.
 */
async function openMessageLog(
  config: Config,
  kafka: Kafka | null,
  metrics: Metrics,
  logger: Logger,
  teardown: Teardown,
): Promise<{ log: MessageLog; readiness: Record<string, () => Promise<void>> }> {
  if (!kafka) {
    const log = await openFileMessageLog(config.beckn.messageLogFile);
    teardown.add('message-log', () => log.close());
    return { log, readiness: {} };
  }
  const unlock = await lockDataDir(config.audit.spoolDir);
  teardown.add('spool-lock', unlock);
  const log = await openKafkaMessageLog({
    kafka,
    topic: config.audit.topic,
    spoolDir: config.audit.spoolDir,
    spoolMaxBytes: config.audit.spoolMaxBytes,
    logger,
    relay: { closeTimeoutMs: Math.floor(config.http.shutdownTimeoutMs / 3) },
  });
  teardown.add('message-log', () => log.close());
  metrics.trackDepth('spool', () => log.spoolDepth().records);
  return { log, readiness: { message_log_spool: () => log.checkSpool() } };
}

/**
 * Our roles' registry records: one key for all (the current signing key),
 * valid for a year from start, every domain and city, with our X25519 key
 * when one is configured.
 */
function ownRecords(config: Config, roles: readonly BecknRole[], key: CurrentKey, now: Date) {
  return roles.map((role) => ({
    subscriberId: config.beckn.subscriberIds[role],
    uniqueKeyId: key.uniqueKeyId,
    type: registryTypes[role],
    domain: null,
    city: null,
    country: null,
    subscriberUrl: `${config.http.publicUrl}/beckn/${role}`,
    signingPublicKey: key.publicKey,
    encrPublicKey: config.beckn.keys.x25519PrivateKey === null ? null : x25519PublicKeyDer(config.beckn.keys.x25519PrivateKey),
    validFrom: new Date(now.getTime() - 60_000),
    validUntil: new Date(now.getTime() + 365 * 86_400_000),
    status: 'SUBSCRIBED' as const,
  }));
}

/**
 * A key registered by an earlier start stays valid from when it was first
 * registered, so messages signed before a restart still verify at their own time.
 */
async function keepingValidFrom(registry: Registry, records: ReturnType<typeof ownRecords>) {
  return Promise.all(
    records.map(async (record) => {
      const [existing] = await registry.lookup({ subscriberId: record.subscriberId, uniqueKeyId: record.uniqueKeyId });
      const since = existing ? new Date(existing.validFrom) : null;
      const same = since && existing?.signingPublicKey === record.signingPublicKey && since < record.validFrom;
      return same ? { ...record, validFrom: since } : record;
    }),
  );
}

/**
 * Builds the Beckn side of the composition root: the message log, the dev
 * registry when this process serves it (with our own roles and the seed file
 * registered), and the protocol layer of the enabled roles.
 */
export async function buildBecknNetwork(
  deps: { config: Config; sequelize: Sequelize; correlation: CorrelationStore; rateLimiter: RateLimiter; kafka: Kafka | null; metrics: Metrics; logger: Logger },
  teardown: Teardown,
): Promise<BecknNetwork> {
  const { config, logger } = deps;
  const { log: messageLog, readiness } = await openMessageLog(config, deps.kafka, deps.metrics, logger, teardown);

  const roles = becknRoles.filter((role) => config.beckn.roles.includes(role));
  const { keys } = config.beckn;
  const keyRing = createKeyRing({
    path: keys.keysFile,
    fallback: { uniqueKeyId: config.beckn.uniqueKeyId, privateKey: config.secrets.signingPrivateKey, publicKey: config.secrets.signingPublicKey },
    logger,
  });
  const signingKey = await keyRing.refresh();
  let registry: Registry | null = null;
  if (config.beckn.roles.includes('registry')) {
    registry = createRegistry({
      sequelize: deps.sequelize,
      logger,
      adminToken: config.secrets.adminToken,
      clockSkewSeconds: config.beckn.clockSkewSeconds,
      allowPrivateUrls: config.registryAllowsPrivateUrls,
      encryptionPrivateKey: keys.x25519PrivateKey,
      requireSignedLookup: keys.signedLookup,
    });
    const running = registry;
    teardown.add('registry-challenges', () => running.idle());
    await registry.upsert(await keepingValidFrom(registry, ownRecords(config, roles, signingKey, new Date())));
    if (config.registrySeedFile) await registry.loadSeedFile(config.registrySeedFile);
  }
  // Lookups are signed by the first role's signer as it is at each call, so a key rotation carries over.
  let lookupSigner: (() => Signer | undefined) | null = null;
  const sign = (body: Uint8Array): string => {
    const signer = lookupSigner?.();
    if (signer === undefined) throw new Error('no signing key for registry lookups');
    return signer.sign(body);
  };
  const lookupSource = config.beckn.registryUrl
    ? httpLookupSource({ url: `${config.beckn.registryUrl}/lookup`, timeoutMs: 3_000, retries: 2, logger, ...(keys.signedLookup ? { sign } : {}) })
    : localLookupSource(registry as Registry);

  const { beckn } = config;
  const protocol = createProtocol({
    settings: {
      roles,
      identities: {
        bap: { subscriberId: beckn.subscriberIds.bap, subscriberUrl: `${config.http.publicUrl}/beckn/bap` },
        bpp: { subscriberId: beckn.subscriberIds.bpp, subscriberUrl: `${config.http.publicUrl}/beckn/bpp` },
        gateway: { subscriberId: beckn.subscriberIds.gateway, subscriberUrl: `${config.http.publicUrl}/beckn/gateway` },
      },
      uniqueKeyId: signingKey.uniqueKeyId,
      signingPrivateKey: signingKey.privateKey,
      onSubscribe:
        keys.x25519PrivateKey === null
          ? null
          : {
              privateKey: keys.x25519PrivateKey,
              registryPublicKey: keys.registryEncrPublicKey ?? x25519PublicKeyDer(keys.x25519PrivateKey),
            },
      clockSkewSeconds: beckn.clockSkewSeconds,
      maxBodyBytes: config.http.bodyLimitBytes,
      duplicateWindowSeconds: beckn.duplicateWindowSeconds,
      rateLimit: { limit: beckn.rateLimitPerMinute, windowMs: 60_000 },
      refusalLimit: { limit: beckn.refusalsPerMinutePerAddress, windowMs: 60_000 },
      cities: beckn.cities,
      registryCacheTtlSeconds: beckn.registryCacheTtlSeconds,
      registryCacheMaxEntries: keys.registryCacheMaxEntries,
      // The in-process registry is a query away; a remote one's lists are worth keeping a while.
      registryListCacheSeconds: config.beckn.registryUrl ? keys.registryListCacheSeconds : 0,
      defaultTtl: beckn.defaultTtl,
      signatureTtlSeconds: beckn.signatureTtlSeconds,
      transactionRetentionMs: 7 * 86_400_000,
      handlerLeaseMs: beckn.handlerLeaseMs,
      delivery: beckn.delivery,
      backpressure: beckn.backpressure,
      queueMaintenance: beckn.queueMaintenance,
    },
    sequelize: deps.sequelize,
    correlation: deps.correlation,
    rateLimiter: deps.rateLimiter,
    messageLog,
    validator: createBecknValidator(),
    lookupSource,
    metrics: deps.metrics,
    logger,
  });
  teardown.add('protocol', () => protocol.stop(config.http.shutdownTimeoutMs));
  keyRing.bindSigners(protocol.signers, beckn.subscriberIds, beckn.signatureTtlSeconds);
  lookupSigner = () => (roles[0] === undefined ? undefined : protocol.signers[roles[0]]);
  keyRing.follow();
  teardown.add('key-ring', () => keyRing.stop());
  const adminRoutes = deadLetterRoutes({
    sequelize: deps.sequelize,
    outbox: protocol.outbox,
    adminToken: config.secrets.adminToken,
    actedOnDeath: (action) => protocol.handlers.deadLetter(action) !== undefined,
  });
  return { protocol, registry, messageLog, adminRoutes, readiness };
}
