import type { LevelWithSilent } from 'pino';

export type Profile = 'embedded' | 'hybrid' | 'full';

export interface SchedulerConfig {
  pollIntervalMs: number;
  leaseMs: number;
  concurrency: number;
  maxAttempts: number;
}

export interface Secrets {
  adminToken: string;
  auditorToken: string;
  /** Base64 of the 32-byte Ed25519 seed. */
  signingPrivateKey: string;
  /** Base64 of the raw 32-byte Ed25519 public key derived from the seed. */
  signingPublicKey: string;
  /** Base64 of 32 bytes. */
  encryptionKey: string;
}

/** The validated, derived and frozen configuration the composition root builds everything from. */
export interface Config {
  /** embedded: no service URL set; full: all four set; hybrid: some. */
  profile: Profile;
  http: {
    port: number;
    host: string;
    publicUrl: string;
    bodyLimitBytes: number;
    shutdownTimeoutMs: number;
    readinessTimeoutMs: number;
    /** Requests per bearer token per minute on the internal REST API. */
    apiRateLimitPerMinute: number;
    /** Bearer token /metrics requires; null: /metrics is open. */
    metricsToken: string | null;
  };
  logLevel: LevelWithSilent;
  /** Processes serving the port: 1 is this process itself; more are forked by it (src/cluster) and share the full profile's stores. */
  workers: number;
  /** Absolute path of the embedded profile's folder. */
  dataDir: string;
  postgres: ({ kind: 'url'; url: string } | { kind: 'embedded'; dataDir: string }) & { poolMax: number; statementTimeoutMs: number };
  redis: { url: string; keyPrefix: string } | null;
  kafka: { brokers: string[]; clientId: string } | null;
  clickhouse: { url: string; database: string } | null;
  migrateOnStart: boolean;
  scheduler: SchedulerConfig;
  registrySeedFile: string | null;
  /** The dev registry accepts subscriber URLs on loopback, link-local and private addresses. */
  registryAllowsPrivateUrls: boolean;
  secrets: Secrets;
  beckn: BecknConfig;
  audit: AuditConfig;
  events: EventsConfig;
  /** Seed the demo operator and simulated drivers at start. */
  demoNetwork: boolean;
  bpp: BppConfig;
  payments: PaymentsConfig;
  paymentTerms: PaymentTermsConfig;
}

/** ONDC `SETTLEMENT_TERMS`: how the side that collects a ride's payment settles with the other. */
export interface SettlementTerms {
  /** ISO-8601 duration. */
  window: string;
  basis: string;
  type: 'UPI' | 'NEFT' | 'RTGS';
  mandatoryArbitration: boolean;
  courtJurisdiction: string;
  /** Percent, a decimal string. */
  delayInterest: string;
  /** URL of the published terms. */
  staticTerms: string;
}

/** The provider's account the rider side settles into; each part is present only when configured. */
export interface SettlementAccount {
  bankCode?: string;
  bankAccountNumber?: string;
  virtualPaymentAddress?: string;
}

/** The payment terms the operator offers on the network (ONDC:TRV10 payment tags). */
export interface PaymentTermsConfig {
  /** The rider side's BUYER_FINDER_FEES, in percent of the order (a decimal string). */
  buyerFinderFeePercentage: string;
  /** The operator's settlement terms, proposed by the rider side and offered by the provider side. */
  settlement: SettlementTerms;
  /** The provider's settlement account, named in on_init when the BPP collects; null when none is configured. */
  providerAccount: SettlementAccount | null;
  /** The rider side's settlement account, named as params in init (the provider collecting settles the finder fee into it); null when none is configured. */
  riderAccount: SettlementAccount | null;
}

/** How the gateway authenticates its webhooks: HTTP Basic credentials, or an HMAC signature for gateways that sign. */
export type PaymentWebhookAuth = { scheme: 'basic'; username: string; password: string } | { scheme: 'hmac'; secret: string };

export interface PaymentsConfig {
  /** null: the composition root starts the payment simulator in-process with generated credentials. */
  gateway: { url: string; apiKey: string; merchantId: string; webhookAuth: PaymentWebhookAuth } | null;
  timeoutMs: number;
  statusCheck: { baseDelayMs: number; maxAttempts: number };
}

/** The provider side's allocation settings. */
export interface BppConfig {
  /** Open ride offers one driver may hold at once, over every ride looking for a driver. */
  driverMaxParallelOffers: number;
  /** How often the supply snapshot job counts idle and on-ride drivers per cell (0: never). */
  supplySnapshotIntervalMs: number;
}

export interface AuditConfig {
  /** Bearer token of the `auditor_pii` role (sees unmasked PII); null when no one may. */
  piiToken: string | null;
  topic: string;
  topicPartitions: number;
  replicationFactor: number;
  spoolDir: string;
  spoolMaxBytes: number;
  sinkGroup: string;
  sinkBatchSize: number;
  retentionMonths: number;
  /** null: the rules shipped in src/audit. */
  piiRulesFile: string | null;
  /** Signed checkpoints of the message log's trees (src/audit/transparency); dir null: none. */
  checkpoints: { dir: string | null; intervalMs: number; settleMs: number };
}

/** Where the event relay publishes the business event outboxes. */
export interface EventsConfig {
  /** Kafka topic (full profile). */
  topic: string;
  topicPartitions: number;
  replicationFactor: number;
  /** JSON-lines file used when Kafka is not configured. */
  file: string;
  relayPollIntervalMs: number;
  /** Published events older than this are deleted from the outboxes. */
  retentionMs: number;
}

export type RoleName = 'bap' | 'bpp' | 'gateway' | 'registry';

export interface BecknConfig {
  roles: readonly RoleName[];
  subscriberIds: { bap: string; bpp: string; gateway: string };
  uniqueKeyId: string;
  /** null: the in-process dev registry answers lookups. */
  registryUrl: string | null;
  /** Empty: every city. */
  cities: readonly string[];
  defaultTtl: string;
  clockSkewSeconds: number;
  rateLimitPerMinute: number;
  /** Refusals of unauthenticated messages answered (and logged) per source address per minute. */
  refusalsPerMinutePerAddress: number;
  duplicateWindowSeconds: number;
  signatureTtlSeconds: number;
  registryCacheTtlSeconds: number;
  /** Registry handshake, lookups and signing keys. */
  keys: {
    /** Answers on_subscribe challenges (and encrypts the dev registry's); null: neither. */
    x25519PrivateKey: string | null;
    /** The registry's X25519 public key; null: our own. */
    registryEncrPublicKey: string | null;
    signedLookup: boolean;
    registryCacheMaxEntries: number;
    registryListCacheSeconds: number;
    /** Signing keys file, re-read while running; null: SIGNING_PRIVATE_KEY as UNIQUE_KEY_ID. */
    keysFile: string | null;
  };
  delivery: { timeoutMs: number; maxAttempts: number; baseBackoffMs: number; maxBackoffMs: number; pollIntervalMs: number; concurrency: number };
  handlerLeaseMs: number;
  /** Admission of Beckn requests against the inbox's load (src/protocol/inbound/steps/admit-load.ts). */
  backpressure: { maxPending: number; waitTtlFraction: number; sampleIntervalMs: number };
  /** The inbox and outbox tables kept small (src/protocol/queue-maintenance.ts): retention already raised to the duplicate window. */
  queueMaintenance: { retentionMs: number; vacuumDeadRows: number; intervalMs: number };
  messageLogFile: string;
  /** The rider side's search settings. */
  /** domains: what a rider search goes out in (ONDC:TRV10, nic2004:60221), the first the search's own. */
  bap: { cityCode: string; searchTtl: string; searchBppUris: readonly string[]; domains: readonly string[] };
}
