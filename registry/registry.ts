import type { Sequelize } from 'sequelize';
import type { RouteSpec } from '../src/infra/http/index.js';
import type { Logger } from '../src/infra/logging/logger.js';
import type { LookupFilter } from '../src/protocol/registry-client/index.js';
import { registryRoutes } from './registry-routes.js';
import { readSeedFile } from './seed-file.js';
import type { SubscriberRecordInput } from './subscriber-input.js';
import { createChallenger } from './subscribe-challenge.js';
import { createSubscriberStore, type RegistryRecord } from './subscriber-store.js';

export interface RegistryOptions {
  sequelize: Sequelize;
  logger: Logger;
  /** Bearer token of the registry's admin routes (the operator's ADMIN_TOKEN). */
  adminToken: string;
  clock?: () => Date;
  /** How far in the future a subscribe signature's `created` may be; 5 s unless given. */
  clockSkewSeconds?: number;
  /**
   * Let `/registry/subscribe` register URLs on loopback, link-local and
   * private addresses; off unless given. Records loaded from the seed file or
   * upserted by the process itself are the operator's and are not checked.
   */
  allowPrivateUrls?: boolean;
  /**
   * The registry's X25519 private key (raw or PKCS#8 DER, base64): on_subscribe
   * challenges are encrypted with it. Without it no challenge is sent and new
   * subscribers wait for an admin's approval.
   */
  encryptionPrivateKey?: string | null;
  /** Bound on one on_subscribe exchange; 5 s unless given. */
  challengeTimeoutMs?: number;
  /** Refuse `/registry/lookup` calls not signed by a subscribed key (ONDC's v2.0 lookup); off unless given. */
  requireSignedLookup?: boolean;
}

export interface Registry {
  /** `/registry/lookup`, `/registry/subscribe` and the admin status route, to mount on an app. */
  routes: RouteSpec[];
  /** Inserts or replaces records (SUBSCRIBED unless they carry a status), all in one transaction. */
  upsert(records: readonly SubscriberRecordInput[]): Promise<void>;
  /** Records of every status matching the filter. */
  lookup(filter: LookupFilter): Promise<RegistryRecord[]>;
  /** Validates and upserts a seed file; resolves with the number of records. Throws RegistrySeedError. */
  loadSeedFile(path: string): Promise<number>;
  /** Resolves once every on_subscribe challenge started so far has ended. */
  idle(): Promise<void>;
}

/** The dev registry: subscriber records in Postgres (`beckn_registry.subscriber`, migration 0002). */
export function createRegistry(options: RegistryOptions): Registry {
  const { sequelize, logger } = options;
  const clock = options.clock ?? (() => new Date());
  const store = createSubscriberStore(sequelize);
  const challenger = createChallenger({
    sequelize,
    store,
    logger,
    clock,
    encryptionPrivateKey: options.encryptionPrivateKey ?? null,
    timeoutMs: options.challengeTimeoutMs ?? 5_000,
  });

  const upsert = async (records: readonly SubscriberRecordInput[]): Promise<void> => {
    const now = clock();
    await sequelize.transaction(async (transaction) => {
      for (const record of records) await store.save(record, record.status ?? 'SUBSCRIBED', now, transaction);
    });
  };

  return {
    routes: registryRoutes({
      store,
      adminToken: options.adminToken,
      clock,
      clockSkewSeconds: options.clockSkewSeconds ?? 5,
      allowPrivateUrls: options.allowPrivateUrls ?? false,
      requireSignedLookup: options.requireSignedLookup ?? false,
      challenger,
      logger,
    }),
    idle: () => challenger.idle(),
    upsert,
    lookup: (filter) => store.lookup(filter),
    async loadSeedFile(path) {
      const records = await readSeedFile(path);
      await upsert(records);
      logger.info({ path, records: records.length }, 'registry seed file loaded');
      return records.length;
    },
  };
}
