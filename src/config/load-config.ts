import { accessSync, constants } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { LevelWithSilent } from 'pino';
import { parseEd25519PrivateKey } from '../infra/crypto/ed25519-keys.js';
import type { AuditConfig, BecknConfig, Config, EventsConfig, PaymentsConfig, PaymentTermsConfig, PaymentWebhookAuth, Profile, RoleName, Secrets, SettlementAccount } from './config.js';
import { ConfigError } from './config-error.js';
import { loadOrCreateEmbeddedSecrets, type EmbeddedSecretName } from './embedded-secrets.js';
import type { RawEnv } from './env.js';
import { validateEnv, type TypedEnv } from './validate-env.js';
import { serviceUrlVariables } from './variables.js';

export interface LoadedConfig {
  config: Config;
  /** Secrets generated on this start (embedded profile), to be shown once. */
  generatedSecrets: { name: EmbeddedSecretName; value: string }[];
}

const secretNames: EmbeddedSecretName[] = ['ADMIN_TOKEN', 'AUDITOR_TOKEN', 'SIGNING_PRIVATE_KEY', 'ENCRYPTION_KEY'];

function profileOf(env: TypedEnv): Profile {
  const set = serviceUrlVariables.filter((name) => env[name] !== undefined).length;
  if (set === 0) return 'embedded';
  return set === serviceUrlVariables.length ? 'full' : 'hybrid';
}

/**
 * Worker processes: each core by default where the stores are shared
 * services; one where any of them lives inside the process (PGlite, the
 * in-memory scheduler and correlation store, the local message log file),
 * which a second process could neither see nor safely write.
 */
function workersOf(env: TypedEnv, profile: Profile, problems: string[]): number {
  const asked = env.WORKERS as number | undefined;
  if (asked === undefined) return profile === 'full' ? availableParallelism() : 1;
  if (asked > 1 && profile !== 'full') {
    problems.push(`WORKERS=${asked} needs the full profile (DATABASE_URL, REDIS_URL, KAFKA_BROKERS and CLICKHOUSE_URL all set): the ${profile} profile keeps stores inside one process, so it runs WORKERS=1`);
  }
  return asked;
}

function str(env: TypedEnv, name: keyof TypedEnv): string {
  return env[name] as string;
}

function num(env: TypedEnv, name: keyof TypedEnv): number {
  return env[name] as number;
}

/** Secrets come from the environment; only the embedded profile may generate the missing ones. */
function resolveSecrets(env: TypedEnv, profile: Profile, dataDir: string, problems: string[]) {
  const missing = secretNames.filter((name) => env[name] === undefined);
  let generated: LoadedConfig['generatedSecrets'] = [];
  const values: Partial<Record<EmbeddedSecretName, string>> = {};
  for (const name of secretNames) if (env[name] !== undefined) values[name] = str(env, name);
  if (missing.length > 0 && profile !== 'embedded') {
    for (const name of missing) problems.push(`${name} is required when a service URL is set (${profile} profile)`);
    return { secrets: null, generated };
  }
  if (missing.length > 0) {
    const stored = loadOrCreateEmbeddedSecrets(dataDir, missing);
    Object.assign(values, stored.values);
    generated = stored.generated.map((name) => ({ name, value: stored.values[name] as string }));
  }
  let signingPublicKey = '';
  try {
    signingPublicKey = parseEd25519PrivateKey(values.SIGNING_PRIVATE_KEY as string).publicKey.toString('base64');
  } catch (error) {
    problems.push(`SIGNING_PRIVATE_KEY ${(error as Error).message}`);
  }
  if (Buffer.from(values.ENCRYPTION_KEY as string, 'base64').length !== 32) {
    problems.push('ENCRYPTION_KEY must decode to 32 bytes');
  }
  const secrets: Secrets = {
    adminToken: values.ADMIN_TOKEN as string,
    auditorToken: values.AUDITOR_TOKEN as string,
    signingPrivateKey: parseSeed(values.SIGNING_PRIVATE_KEY as string),
    signingPublicKey,
    encryptionKey: values.ENCRYPTION_KEY as string,
  };
  if (secrets.adminToken === secrets.auditorToken) problems.push('AUDITOR_TOKEN must differ from ADMIN_TOKEN');
  return { secrets, generated };
}

function parseSeed(base64: string): string {
  return Buffer.from(base64, 'base64').subarray(0, 32).toString('base64');
}

/** An X25519 key as base64 of its raw 32 bytes or of its DER form (`derLength` bytes); null when unset. */
function x25519Key(env: TypedEnv, name: keyof TypedEnv, derLength: number, problems: string[]): string | null {
  if (env[name] === undefined) return null;
  const value = str(env, name);
  const length = Buffer.from(value, 'base64').length;
  if (length !== 32 && length !== derLength) problems.push(`${String(name)} must decode to 32 bytes (raw) or ${derLength} (DER)`);
  return value;
}

function becknConfig(env: TypedEnv, dataDir: string, cwd: string, problems: string[]): BecknConfig {
  const roles = [...new Set(str(env, 'ROLES').split(','))] as RoleName[];
  const registryUrl = (env.REGISTRY_URL as string | undefined)?.replace(/\/+$/, '') ?? null;
  if (registryUrl === null && !roles.includes('registry')) {
    problems.push('REGISTRY_URL is required when ROLES does not include registry');
  }
  if (num(env, 'DELIVERY_MAX_BACKOFF_MS') < num(env, 'DELIVERY_BASE_BACKOFF_MS')) {
    problems.push('DELIVERY_MAX_BACKOFF_MS must be at least DELIVERY_BASE_BACKOFF_MS');
  }
  return {
    roles,
    subscriberIds: { bap: str(env, 'BAP_SUBSCRIBER_ID'), bpp: str(env, 'BPP_SUBSCRIBER_ID'), gateway: str(env, 'GATEWAY_SUBSCRIBER_ID') },
    uniqueKeyId: str(env, 'UNIQUE_KEY_ID'),
    registryUrl,
    cities: env.BECKN_CITIES === undefined ? [] : str(env, 'BECKN_CITIES').split(','),
    defaultTtl: str(env, 'BECKN_DEFAULT_TTL'),
    clockSkewSeconds: num(env, 'BECKN_CLOCK_SKEW_SECONDS'),
    rateLimitPerMinute: num(env, 'BECKN_RATE_LIMIT_PER_MINUTE'),
    refusalsPerMinutePerAddress: num(env, 'BECKN_REFUSALS_PER_MINUTE_PER_ADDRESS'),
    duplicateWindowSeconds: num(env, 'BECKN_DUPLICATE_WINDOW_SECONDS'),
    signatureTtlSeconds: num(env, 'SIGNATURE_TTL_SECONDS'),
    registryCacheTtlSeconds: num(env, 'REGISTRY_CACHE_TTL_SECONDS'),
    keys: {
      x25519PrivateKey: x25519Key(env, 'X25519_PRIVATE_KEY', 48, problems),
      registryEncrPublicKey: x25519Key(env, 'REGISTRY_ENCR_PUBLIC_KEY', 44, problems),
      signedLookup: env.REGISTRY_SIGNED_LOOKUP === true,
      registryCacheMaxEntries: num(env, 'REGISTRY_CACHE_MAX_ENTRIES'),
      registryListCacheSeconds: num(env, 'REGISTRY_LIST_CACHE_SECONDS'),
      keysFile: env.KEYS_FILE === undefined ? null : resolve(cwd, str(env, 'KEYS_FILE')),
    },
    delivery: {
      timeoutMs: num(env, 'DELIVERY_TIMEOUT_MS'),
      maxAttempts: num(env, 'DELIVERY_MAX_ATTEMPTS'),
      baseBackoffMs: num(env, 'DELIVERY_BASE_BACKOFF_MS'),
      maxBackoffMs: num(env, 'DELIVERY_MAX_BACKOFF_MS'),
      pollIntervalMs: num(env, 'DELIVERY_POLL_INTERVAL_MS'),
      concurrency: num(env, 'DELIVERY_CONCURRENCY'),
    },
    handlerLeaseMs: num(env, 'HANDLER_LEASE_MS'),
    backpressure: {
      maxPending: num(env, 'INBOX_MAX_PENDING'),
      waitTtlFraction: num(env, 'INBOX_MAX_WAIT_TTL_FRACTION'),
      sampleIntervalMs: num(env, 'INBOX_LOAD_SAMPLE_MS'),
    },
    queueMaintenance: {
      retentionMs: Math.max(num(env, 'QUEUE_RETENTION_HOURS') * 3_600_000, num(env, 'BECKN_DUPLICATE_WINDOW_SECONDS') * 1_000),
      vacuumDeadRows: num(env, 'QUEUE_VACUUM_DEAD_ROWS'),
      intervalMs: num(env, 'QUEUE_MAINTENANCE_INTERVAL_MS'),
    },
    bap: {
      cityCode: str(env, 'BAP_CITY_CODE'),
      searchTtl: str(env, 'BAP_SEARCH_TTL'),
      searchBppUris: env.BAP_SEARCH_BPP_URIS === undefined ? [] : str(env, 'BAP_SEARCH_BPP_URIS').split(','),
      domains: [...new Set(str(env, 'BAP_DOMAINS').split(','))],
    },
    messageLogFile: env.MESSAGE_LOG_FILE === undefined ? resolve(dataDir, 'message-log.jsonl') : resolve(cwd, str(env, 'MESSAGE_LOG_FILE')),
  };
}

function auditConfig(env: TypedEnv, dataDir: string, cwd: string, secrets: Secrets | null, problems: string[]): AuditConfig {
  const piiToken = (env.AUDITOR_PII_TOKEN as string | undefined) ?? null;
  if (piiToken !== null && secrets && (piiToken === secrets.auditorToken || piiToken === secrets.adminToken)) {
    problems.push('AUDITOR_PII_TOKEN must differ from AUDITOR_TOKEN and ADMIN_TOKEN');
  }
  const piiRulesFile = env.PII_RULES_FILE === undefined ? null : resolve(cwd, str(env, 'PII_RULES_FILE'));
  if (piiRulesFile) {
    try {
      accessSync(piiRulesFile, constants.R_OK);
    } catch {
      problems.push(`PII_RULES_FILE ${piiRulesFile} is not a readable file`);
    }
  }
  return {
    piiToken,
    topic: str(env, 'KAFKA_MESSAGE_TOPIC'),
    topicPartitions: num(env, 'KAFKA_MESSAGE_TOPIC_PARTITIONS'),
    replicationFactor: num(env, 'KAFKA_REPLICATION_FACTOR'),
    spoolDir: resolve(dataDir, 'spool'),
    spoolMaxBytes: num(env, 'SPOOL_MAX_BYTES'),
    sinkGroup: str(env, 'AUDIT_SINK_GROUP'),
    sinkBatchSize: num(env, 'AUDIT_SINK_BATCH_SIZE'),
    retentionMonths: num(env, 'AUDIT_RETENTION_MONTHS'),
    piiRulesFile,
    checkpoints: {
      dir: env.AUDIT_CHECKPOINT_DIR === undefined ? null : resolve(cwd, str(env, 'AUDIT_CHECKPOINT_DIR')),
      intervalMs: num(env, 'AUDIT_CHECKPOINT_INTERVAL_SECONDS') * 1000,
      settleMs: num(env, 'AUDIT_CHECKPOINT_SETTLE_SECONDS') * 1000,
    },
  };
}

/** The relay polls embedded Postgres (one connection for the whole process) less often. */
const EVENTS_RELAY_POLL_MS = { embedded: 1_000, server: 200 } as const;

function eventsConfig(env: TypedEnv, dataDir: string, cwd: string): EventsConfig {
  return {
    topic: str(env, 'EVENTS_TOPIC'),
    topicPartitions: num(env, 'EVENTS_TOPIC_PARTITIONS'),
    replicationFactor: num(env, 'KAFKA_REPLICATION_FACTOR'),
    file: env.EVENTS_FILE === undefined ? resolve(dataDir, 'business-events.jsonl') : resolve(cwd, str(env, 'EVENTS_FILE')),
    relayPollIntervalMs:
      env.EVENTS_RELAY_POLL_MS === undefined
        ? EVENTS_RELAY_POLL_MS[env.DATABASE_URL === undefined ? 'embedded' : 'server']
        : num(env, 'EVENTS_RELAY_POLL_MS'),
    retentionMs: num(env, 'EVENTS_RETENTION_HOURS') * 3_600_000,
  };
}

function webhookAuthOf(env: TypedEnv, problems: string[]): PaymentWebhookAuth | null {
  const username = env.PAYMENT_WEBHOOK_USERNAME as string | undefined;
  const password = env.PAYMENT_WEBHOOK_PASSWORD as string | undefined;
  const secret = env.PAYMENT_WEBHOOK_HMAC_SECRET as string | undefined;
  const basic = username !== undefined || password !== undefined;
  // One scheme per gateway: accepting either would let the weaker one stand in for the other.
  if (basic && secret !== undefined) problems.push('set PAYMENT_WEBHOOK_USERNAME/PAYMENT_WEBHOOK_PASSWORD or PAYMENT_WEBHOOK_HMAC_SECRET, not both');
  else if (basic && (username === undefined || password === undefined)) problems.push('PAYMENT_WEBHOOK_USERNAME and PAYMENT_WEBHOOK_PASSWORD are set together');
  else if (basic) return { scheme: 'basic', username: username as string, password: password as string };
  else if (secret !== undefined) return { scheme: 'hmac', secret };
  else problems.push('PAYMENT_GATEWAY_URL needs PAYMENT_WEBHOOK_USERNAME and PAYMENT_WEBHOOK_PASSWORD, or PAYMENT_WEBHOOK_HMAC_SECRET');
  return null;
}

/** A real gateway needs every credential from the environment; without its URL the simulator's are generated, so none may be set. */
function paymentsConfig(env: TypedEnv, problems: string[]): PaymentsConfig {
  const credentials = ['PAYMENT_GATEWAY_API_KEY', 'PAYMENT_GATEWAY_MERCHANT_ID', 'PAYMENT_WEBHOOK_USERNAME', 'PAYMENT_WEBHOOK_PASSWORD', 'PAYMENT_WEBHOOK_HMAC_SECRET'] as const;
  const settings = {
    timeoutMs: num(env, 'PAYMENT_GATEWAY_TIMEOUT_MS'),
    statusCheck: { baseDelayMs: num(env, 'PAYMENT_STATUS_CHECK_BASE_DELAY_MS'), maxAttempts: num(env, 'PAYMENT_STATUS_CHECK_MAX_ATTEMPTS') },
  };
  if (env.PAYMENT_GATEWAY_URL === undefined) {
    for (const name of credentials) if (env[name] !== undefined) problems.push(`${name} is set but PAYMENT_GATEWAY_URL is not (the simulator generates its own)`);
    return { gateway: null, ...settings };
  }
  for (const name of ['PAYMENT_GATEWAY_API_KEY', 'PAYMENT_GATEWAY_MERCHANT_ID'] as const) {
    if (env[name] === undefined) problems.push(`${name} is required with PAYMENT_GATEWAY_URL`);
  }
  const webhookAuth = webhookAuthOf(env, problems);
  if (webhookAuth === null || env.PAYMENT_GATEWAY_API_KEY === undefined || env.PAYMENT_GATEWAY_MERCHANT_ID === undefined) return { gateway: null, ...settings };
  return {
    gateway: {
      url: str(env, 'PAYMENT_GATEWAY_URL').replace(/\/+$/, ''),
      apiKey: str(env, 'PAYMENT_GATEWAY_API_KEY'),
      merchantId: str(env, 'PAYMENT_GATEWAY_MERCHANT_ID'),
      webhookAuth,
    },
    ...settings,
  };
}

/** Court of the operator's city, by the STD code the rider side searches in. */
const courtOfCity: Readonly<Record<string, string>> = {
  'std:080': 'Bengaluru',
  'std:011': 'New Delhi',
  'std:022': 'Mumbai',
  'std:033': 'Kolkata',
  'std:044': 'Chennai',
  'std:040': 'Hyderabad',
  'std:020': 'Pune',
  'std:079': 'Ahmedabad',
};

const isoDuration = /^P(?!$)(\d+W|(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?)$/;

/** A percentage from the environment as the decimal string the ONDC tags carry ("1", "2.5"). */
const percent = (env: TypedEnv, name: keyof TypedEnv): string => String(num(env, name));

function settlementAccountOf(env: TypedEnv, problems: string[], side: 'BPP' | 'BAP' = 'BPP'): SettlementAccount | null {
  const bankCode = env[`${side}_SETTLEMENT_BANK_CODE`] as string | undefined;
  const bankAccountNumber = env[`${side}_SETTLEMENT_BANK_ACCOUNT_NUMBER`] as string | undefined;
  const virtualPaymentAddress = env[`${side}_SETTLEMENT_VPA`] as string | undefined;
  if ((bankCode === undefined) !== (bankAccountNumber === undefined)) {
    problems.push(`${side}_SETTLEMENT_BANK_CODE and ${side}_SETTLEMENT_BANK_ACCOUNT_NUMBER are set together (an account is its bank and its number)`);
  }
  if (bankCode === undefined && bankAccountNumber === undefined && virtualPaymentAddress === undefined) return null;
  return {
    ...(bankCode !== undefined ? { bankCode } : {}),
    ...(bankAccountNumber !== undefined ? { bankAccountNumber } : {}),
    ...(virtualPaymentAddress !== undefined ? { virtualPaymentAddress } : {}),
  };
}

/** The payment tags' values: settlement terms default to the operator's city and public URL. */
function paymentTermsConfig(env: TypedEnv, publicUrl: string, problems: string[]): PaymentTermsConfig {
  const window = str(env, 'SETTLEMENT_WINDOW');
  if (!isoDuration.test(window)) problems.push(`SETTLEMENT_WINDOW must be an ISO-8601 duration such as PT60M or P1D (got ${JSON.stringify(window)})`);
  let courtJurisdiction = env.SETTLEMENT_COURT_JURISDICTION as string | undefined;
  if (courtJurisdiction === undefined) {
    const cityCode = str(env, 'BAP_CITY_CODE');
    courtJurisdiction = courtOfCity[cityCode];
    if (courtJurisdiction === undefined) problems.push(`SETTLEMENT_COURT_JURISDICTION is required: BAP_CITY_CODE ${cityCode} is not a city whose court it defaults to`);
  }
  return {
    buyerFinderFeePercentage: percent(env, 'BAP_BUYER_FINDER_FEES_PERCENTAGE'),
    settlement: {
      window,
      basis: str(env, 'SETTLEMENT_BASIS'),
      type: str(env, 'SETTLEMENT_TYPE') as PaymentTermsConfig['settlement']['type'],
      mandatoryArbitration: env.SETTLEMENT_MANDATORY_ARBITRATION as boolean,
      courtJurisdiction: courtJurisdiction ?? '',
      delayInterest: percent(env, 'SETTLEMENT_DELAY_INTEREST'),
      staticTerms: (env.SETTLEMENT_STATIC_TERMS_URL as string | undefined) ?? `${publicUrl}/static-terms.txt`,
    },
    providerAccount: settlementAccountOf(env, problems),
    riderAccount: settlementAccountOf(env, problems, 'BAP'),
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates the raw environment, derives the profile and the settings of each
 * store, and returns one frozen Config. Throws ConfigError listing every
 * problem, each naming its variable.
 */
export function loadConfig(raw: RawEnv, cwd: string = process.cwd()): LoadedConfig {
  const env = validateEnv(raw);
  const problems: string[] = [];
  const profile = profileOf(env);
  const dataDir = resolve(cwd, str(env, 'DATA_DIR'));

  const registrySeedFile = env.REGISTRY_SEED_FILE === undefined ? null : resolve(cwd, str(env, 'REGISTRY_SEED_FILE'));
  if (registrySeedFile) {
    try {
      accessSync(registrySeedFile, constants.R_OK);
    } catch {
      problems.push(`REGISTRY_SEED_FILE ${registrySeedFile} is not a readable file`);
    }
  }

  const { secrets, generated } = resolveSecrets(env, profile, dataDir, problems);
  const beckn = becknConfig(env, dataDir, cwd, problems);
  const audit = auditConfig(env, dataDir, cwd, secrets, problems);
  const events = eventsConfig(env, dataDir, cwd);
  const payments = paymentsConfig(env, problems);
  const host = str(env, 'HOST');
  const port = num(env, 'PORT');
  const publicUrl = (env.PUBLIC_URL as string | undefined)?.replace(/\/+$/, '') ?? `http://${host}:${port}`;
  const paymentTerms = paymentTermsConfig(env, publicUrl, problems);
  const workers = workersOf(env, profile, problems);
  if (problems.length > 0 || secrets === null) throw new ConfigError(problems);

  const poolMax = num(env, 'DB_POOL_MAX');
  const statementTimeoutMs = num(env, 'DB_STATEMENT_TIMEOUT_MS');
  const config: Config = {
    profile,
    http: {
      port,
      host,
      publicUrl,
      bodyLimitBytes: num(env, 'HTTP_BODY_LIMIT_BYTES'),
      shutdownTimeoutMs: num(env, 'SHUTDOWN_TIMEOUT_MS'),
      readinessTimeoutMs: num(env, 'READINESS_TIMEOUT_MS'),
      apiRateLimitPerMinute: num(env, 'API_RATE_LIMIT_PER_MINUTE'),
      metricsToken: (env.METRICS_TOKEN as string | undefined) ?? null,
    },
    logLevel: str(env, 'LOG_LEVEL') as LevelWithSilent,
    workers,
    demoNetwork: env.DEMO_NETWORK === undefined ? profile === 'embedded' : env.DEMO_NETWORK === true,
    dataDir,
    postgres:
      env.DATABASE_URL === undefined
        ? { kind: 'embedded', dataDir: resolve(dataDir, 'pglite'), poolMax, statementTimeoutMs }
        : { kind: 'url', url: str(env, 'DATABASE_URL'), poolMax, statementTimeoutMs },
    redis: env.REDIS_URL === undefined ? null : { url: str(env, 'REDIS_URL'), keyPrefix: str(env, 'REDIS_KEY_PREFIX') },
    kafka:
      env.KAFKA_BROKERS === undefined
        ? null
        : { brokers: str(env, 'KAFKA_BROKERS').split(','), clientId: str(env, 'KAFKA_CLIENT_ID') },
    clickhouse:
      env.CLICKHOUSE_URL === undefined
        ? null
        : { url: str(env, 'CLICKHOUSE_URL'), database: str(env, 'CLICKHOUSE_DATABASE') },
    migrateOnStart: env.MIGRATE_ON_START as boolean,
    scheduler: {
      pollIntervalMs: num(env, 'SCHEDULER_POLL_INTERVAL_MS'),
      leaseMs: num(env, 'SCHEDULER_LEASE_MS'),
      concurrency: num(env, 'SCHEDULER_CONCURRENCY'),
      maxAttempts: num(env, 'SCHEDULER_MAX_ATTEMPTS'),
    },
    registrySeedFile,
    registryAllowsPrivateUrls: env.REGISTRY_ALLOW_PRIVATE_URLS === undefined ? profile === 'embedded' : env.REGISTRY_ALLOW_PRIVATE_URLS === true,
    secrets,
    beckn,
    audit,
    events,
    bpp: {
      driverMaxParallelOffers: num(env, 'DRIVER_MAX_PARALLEL_OFFERS'),
      supplySnapshotIntervalMs: num(env, 'SUPPLY_SNAPSHOT_INTERVAL_SECONDS') * 1_000,
    },
    payments,
    paymentTerms,
  };
  return { config: deepFreeze(config), generatedSecrets: generated };
}
