/**
 * Every environment variable beckn-ride reads, with its JSON Schema (ajv
 * coerces and checks it), default and description. The README table is
 * checked against this list by a test.
 */
export interface VariableSpec {
  schema: Record<string, unknown>;
  default?: string | number | boolean;
  /** Never printed, never defaulted outside the embedded profile. */
  secret?: boolean;
  description: string;
}

const base64 = '^[A-Za-z0-9+/]+={0,2}$';
const token = { type: 'string', minLength: 24, pattern: '^[\\x21-\\x7e]+$' };

export const variables = {
  PORT: { schema: { type: 'integer', minimum: 0, maximum: 65535 }, default: 8080, description: 'HTTP port (0 picks a free port).' },
  HOST: { schema: { type: 'string', minLength: 1 }, default: '127.0.0.1', description: 'Interface the HTTP server binds to (`0.0.0.0` in containers).' },
  PUBLIC_URL: { schema: { type: 'string', pattern: '^https?://[^\\s/]+(/[^\\s]*)?$' }, description: 'Base URL other participants reach this service at; defaults to `http://HOST:PORT`.' },
  DATABASE_URL: { schema: { type: 'string', pattern: '^postgres(ql)?://\\S+$' }, description: 'Postgres connection URL. Unset: embedded PGlite in `DATA_DIR`.' },
  REDIS_URL: { schema: { type: 'string', pattern: '^rediss?://\\S+$' }, description: 'Redis URL. Unset: in-memory correlation store and scheduler.' },
  KAFKA_BROKERS: { schema: { type: 'string', pattern: '^[^\\s,:]+:\\d+(,[^\\s,:]+:\\d+)*$' }, description: 'Comma-separated `host:port` list. Unset: message log in a local file.' },
  CLICKHOUSE_URL: { schema: { type: 'string', pattern: '^https?://\\S+$' }, description: 'ClickHouse HTTP URL. Unset: audit reads the local message log file.' },
  CLICKHOUSE_DATABASE: { schema: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, default: 'beckn_ride', description: 'ClickHouse database (created at start).' },
  ADMIN_TOKEN: { schema: token, secret: true, description: 'Bearer token of the operator API (at least 24 characters).' },
  AUDITOR_TOKEN: { schema: token, secret: true, description: 'Bearer token of the audit API (at least 24 characters).' },
  SIGNING_PRIVATE_KEY: { schema: { type: 'string', pattern: base64 }, secret: true, description: 'Ed25519 signing key, base64 of the 32-byte seed or the 64-byte seed+public key.' },
  ENCRYPTION_KEY: { schema: { type: 'string', pattern: base64 }, secret: true, description: 'Base64 of 32 random bytes; encrypts and keys the hashes of sensitive fields.' },
  REGISTRY_ALLOW_PRIVATE_URLS: { schema: { type: 'boolean' }, description: 'Let `/registry/subscribe` register subscriber URLs on loopback, link-local and private addresses (or names resolving to them). Unset: on in the embedded profile only, whose dev network runs on 127.0.0.1.' },
  REGISTRY_SEED_FILE: { schema: { type: 'string', minLength: 1 }, description: 'JSON file of extra subscriber records for the dev registry.' },
  DATA_DIR: { schema: { type: 'string', minLength: 1 }, default: '.data', description: 'Folder of the embedded profile (PGlite data, generated secrets, local logs).' },
  LOG_LEVEL: { schema: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] }, default: 'info', description: 'pino log level.' },
  OTEL_EXPORTER_OTLP_ENDPOINT: { schema: { type: 'string', pattern: '^https?://\\S+$' }, description: 'OTLP/HTTP base URL traces are exported to (`/v1/traces` is appended), e.g. Jaeger\'s `http://127.0.0.1:4318`. Unset (and no `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`): tracing is off, no SDK is loaded.' },
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: { schema: { type: 'string', pattern: '^https?://\\S+$' }, description: 'Full OTLP/HTTP URL of the traces endpoint; wins over `OTEL_EXPORTER_OTLP_ENDPOINT`.' },
  OTEL_EXPORTER_OTLP_HEADERS: { schema: { type: 'string', minLength: 1 }, secret: true, description: 'Headers sent with every export, `key=value` pairs separated by commas (an API key of a hosted backend).' },
  OTEL_SERVICE_NAME: { schema: { type: 'string', minLength: 1 }, description: 'service.name of the exported spans; defaults to `beckn-ride` (`beckn-ride-audit-sink` for the sink process).' },
  OTEL_RESOURCE_ATTRIBUTES: { schema: { type: 'string', minLength: 1 }, description: 'Extra resource attributes of the spans, `key=value` pairs separated by commas (e.g. `deployment.environment=prod`).' },
  OTEL_TRACES_SAMPLER: { schema: { type: 'string', enum: ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] }, default: 'parentbased_always_on', description: 'Sampler of new traces; the `parentbased_*` ones follow the sampling decision of an inbound `traceparent`.' },
  OTEL_TRACES_SAMPLER_ARG: { schema: { type: 'number', minimum: 0, maximum: 1 }, description: 'Ratio kept by the `traceidratio` samplers.' },
  OTEL_BSP_SCHEDULE_DELAY: { schema: { type: 'integer', minimum: 1, maximum: 600000 }, default: 5000, description: 'Milliseconds between two exports of the finished spans.' },
  OTEL_SDK_DISABLED: { schema: { type: 'boolean' }, description: '`true` turns tracing off even with an endpoint set.' },
  REDIS_KEY_PREFIX: { schema: { type: 'string', pattern: '^\\S+$' }, default: 'beckn-ride:', description: 'Prefix of every Redis key and channel.' },
  KAFKA_CLIENT_ID: { schema: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' }, default: 'beckn-ride', description: 'Kafka client id.' },
  DB_POOL_MAX: { schema: { type: 'integer', minimum: 2, maximum: 200 }, default: 10, description: 'Max Postgres connections per process (at least 2: migrations hold one for their lock).' },
  DB_STATEMENT_TIMEOUT_MS: { schema: { type: 'integer', minimum: 100, maximum: 3600000 }, default: 30000, description: 'Longest a single Postgres statement may run before the server cancels it (SQLSTATE 57014); bounds migrations and the wait for their lock too.' },
  HTTP_BODY_LIMIT_BYTES: { schema: { type: 'integer', minimum: 1024, maximum: 52428800 }, default: 1048576, description: 'Largest request body accepted (413 beyond).' },
  SHUTDOWN_TIMEOUT_MS: { schema: { type: 'integer', minimum: 100, maximum: 600000 }, default: 15000, description: 'Bound on graceful shutdown after SIGTERM.' },
  DEMO_NETWORK: { schema: { type: 'boolean' }, description: 'Seed a demo merchant, fare policies, a special location and simulated drivers at start (for `npm run demo`). Unset: on in the embedded profile only.' },
  MIGRATE_ON_START: { schema: { type: 'boolean' }, default: true, description: 'Run Postgres and ClickHouse migrations and create Kafka topics at start.' },
  SCHEDULER_POLL_INTERVAL_MS: { schema: { type: 'integer', minimum: 10, maximum: 60000 }, default: 250, description: 'How often a worker looks for due jobs.' },
  SCHEDULER_LEASE_MS: { schema: { type: 'integer', minimum: 100, maximum: 3600000 }, default: 30000, description: 'How long a claimed job stays with its worker before another may retry it.' },
  SCHEDULER_CONCURRENCY: { schema: { type: 'integer', minimum: 1, maximum: 256 }, default: 8, description: 'Jobs one process runs at once.' },
  SCHEDULER_MAX_ATTEMPTS: { schema: { type: 'integer', minimum: 1, maximum: 100 }, default: 8, description: 'Runs of a failing job before it is dead-lettered.' },
  READINESS_TIMEOUT_MS: { schema: { type: 'integer', minimum: 50, maximum: 60000 }, default: 2000, description: 'Bound on each dependency check of `/health/ready`.' },
  ROLES: { schema: { type: 'string', pattern: '^(bap|bpp|gateway|registry)(,(bap|bpp|gateway|registry))*$' }, default: 'bap,bpp,gateway,registry', description: 'Roles this process serves, comma-separated: `bap`, `bpp`, `gateway`, `registry`. The rider API is mounted with `bap`; the operator (`/provider/...`), driver (`/driver/...`) and `/dashboard` routes with `bpp`.' },
  BAP_SUBSCRIBER_ID: { schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]+$' }, default: 'beckn-ride.bap', description: 'Subscriber id of the BAP role (its registry record; signs requests).' },
  BPP_SUBSCRIBER_ID: { schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]+$' }, default: 'beckn-ride.bpp', description: 'Subscriber id of the BPP role (signs callbacks).' },
  GATEWAY_SUBSCRIBER_ID: { schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]+$' }, default: 'beckn-ride.gateway', description: 'Subscriber id of the gateway role (signs X-Gateway-Authorization).' },
  UNIQUE_KEY_ID: { schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]+$' }, default: 'key-1', description: 'unique_key_id of the signing key in the registry.' },
  REGISTRY_URL: { schema: { type: 'string', pattern: '^https?://\\S+$' }, description: 'Base URL of the network registry (`{REGISTRY_URL}/lookup`). Unset: the in-process dev registry (role `registry`).' },
  BECKN_CITIES: { schema: { type: 'string', pattern: '^[^\\s,]+(,[^\\s,]+)*$' }, description: 'City codes served (e.g. `std:080,std:011`); unset serves every city.' },
  BECKN_DEFAULT_TTL: { schema: { type: 'string', pattern: '^P(?!$)(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+S)?)?$' }, default: 'PT30S', description: 'ttl put on the requests we send (ISO-8601 duration).' },
  BAP_CITY_CODE: { schema: { type: 'string', pattern: '^\\S+$' }, default: 'std:080', description: 'City code the rider side searches in (Beckn `context.location.city.code`).' },
  BAP_SEARCH_TTL: { schema: { type: 'string', pattern: '^P(?!$)(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+S)?)?$' }, default: 'PT30S', description: 'How long BPPs have to answer a rider search; later on_search is NACKed as late (ISO-8601 duration).' },
  BAP_SEARCH_BPP_URIS: { schema: { type: 'string', pattern: '^https?://[^\\s,]+(,https?://[^\\s,]+)*$' }, description: 'Send rider searches straight to these BPP subscriber URLs (comma-separated) instead of through a gateway.' },
  BECKN_CLOCK_SKEW_SECONDS: { schema: { type: 'integer', minimum: 0, maximum: 300 }, default: 5, description: 'Clock skew allowed on signature `created` and message timestamps.' },
  BECKN_RATE_LIMIT_PER_MINUTE: { schema: { type: 'integer', minimum: 1, maximum: 10000000 }, default: 6000, description: 'Beckn messages accepted per subscriber per minute (429 beyond).' },
  API_RATE_LIMIT_PER_MINUTE: { schema: { type: 'integer', minimum: 1, maximum: 10000000 }, default: 6000, description: 'Requests accepted per bearer token per minute on the internal REST API (429 with `Retry-After` beyond); requests without a token are not counted.' },
  METRICS_TOKEN: { schema: token, secret: true, description: 'Bearer token `/metrics` requires (of the service and of `npm run audit-sink`), at least 24 characters. Unset: `/metrics` is open.' },
  BECKN_REFUSALS_PER_MINUTE_PER_ADDRESS: { schema: { type: 'integer', minimum: 1, maximum: 10000000 }, default: 60, description: 'Beckn messages refused before their signature verified, per source address per minute, that are answered and logged; beyond, 429 and no record.' },
  BECKN_DUPLICATE_WINDOW_SECONDS: { schema: { type: 'integer', minimum: 60, maximum: 2592000 }, default: 86400, description: 'How long a (sender, action, message_id) is remembered to detect repeats.' },
  SIGNATURE_TTL_SECONDS: { schema: { type: 'integer', minimum: 10, maximum: 3600 }, default: 300, description: 'Lifetime (expires - created) of the signatures we make.' },
  REGISTRY_CACHE_TTL_SECONDS: { schema: { type: 'integer', minimum: 1, maximum: 86400 }, default: 300, description: 'Upper bound on caching a registry record (valid_until bounds it too).' },
  DELIVERY_TIMEOUT_MS: { schema: { type: 'integer', minimum: 100, maximum: 120000 }, default: 10000, description: 'Timeout of one outbound Beckn POST.' },
  DELIVERY_MAX_ATTEMPTS: { schema: { type: 'integer', minimum: 1, maximum: 100 }, default: 10, description: 'Attempts of an outbound message (and of an inbound handler) before the dead letters.' },
  DELIVERY_BASE_BACKOFF_MS: { schema: { type: 'integer', minimum: 10, maximum: 600000 }, default: 1000, description: 'First retry delay ceiling; doubles per attempt, with full jitter.' },
  DELIVERY_MAX_BACKOFF_MS: { schema: { type: 'integer', minimum: 10, maximum: 86400000 }, default: 300000, description: 'Largest retry delay ceiling.' },
  DELIVERY_POLL_INTERVAL_MS: { schema: { type: 'integer', minimum: 10, maximum: 60000 }, default: 250, description: 'How often the inbox and outbox workers look for due work.' },
  DELIVERY_CONCURRENCY: { schema: { type: 'integer', minimum: 1, maximum: 512 }, default: 16, description: 'Outbound deliveries (and inbound handlers) in flight per process.' },
  HANDLER_LEASE_MS: { schema: { type: 'integer', minimum: 500, maximum: 3600000 }, default: 60000, description: 'How long an accepted message stays with the process running its handler before another may retry it.' },
  MESSAGE_LOG_FILE: { schema: { type: 'string', minLength: 1 }, description: 'Append-only message log file; defaults to `DATA_DIR/message-log.jsonl`.' },
  AUDITOR_PII_TOKEN: { schema: token, secret: true, description: 'Optional bearer token of the audit API that also sees raw PII (phone numbers, names); without it nobody does.' },
  KAFKA_MESSAGE_TOPIC: { schema: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' }, default: 'beckn.messages', description: 'Kafka topic of the protocol message log (created at start, keyed by transaction_id).' },
  KAFKA_MESSAGE_TOPIC_PARTITIONS: { schema: { type: 'integer', minimum: 1, maximum: 1000 }, default: 6, description: 'Partitions of the message log topic when it is created.' },
  KAFKA_REPLICATION_FACTOR: { schema: { type: 'integer', minimum: 1, maximum: 10 }, default: 1, description: 'Replication factor of the topics created at start.' },
  SPOOL_MAX_BYTES: { schema: { type: 'integer', minimum: 1048576, maximum: 1099511627776 }, default: 1073741824, description: 'Largest local spool of message log records not yet in Kafka; when full, messages are refused (NACK 500) and /health/ready fails.' },
  AUDIT_SINK_GROUP: { schema: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' }, default: 'beckn-ride-audit-sink', description: 'Kafka consumer group of `npm run audit-sink`.' },
  AUDIT_SINK_BATCH_SIZE: { schema: { type: 'integer', minimum: 1, maximum: 100000 }, default: 5000, description: 'Most records the audit sink inserts into ClickHouse at once.' },
  AUDIT_RETENTION_MONTHS: { schema: { type: 'integer', minimum: 1, maximum: 1200 }, default: 24, description: 'Monthly partitions of beckn_message_log older than this are dropped by the audit sink.' },
  PII_RULES_FILE: { schema: { type: 'string', minLength: 1 }, description: 'JSON rules masking PII on audit reads; defaults to `src/audit/pii-rules.json`.' },
  EVENTS_TOPIC: { schema: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' }, default: 'beckn-ride.business-events', description: 'Kafka topic of the business events (created at start, keyed by subject id).' },
  EVENTS_TOPIC_PARTITIONS: { schema: { type: 'integer', minimum: 1, maximum: 1000 }, default: 6, description: 'Partitions of the business event topic when it is created.' },
  EVENTS_FILE: { schema: { type: 'string', minLength: 1 }, description: 'JSON-lines file the business events are appended to when Kafka is not configured; defaults to `DATA_DIR/business-events.jsonl`.' },
  EVENTS_RELAY_POLL_MS: { schema: { type: 'integer', minimum: 10, maximum: 60000 }, description: 'How often the event relay looks for new business events in the outboxes. Unset: 1000 on embedded Postgres (PGlite), 200 otherwise.' },
  EVENTS_RETENTION_HOURS: { schema: { type: 'integer', minimum: 1, maximum: 8760 }, default: 24, description: 'Hours a published business event stays in its outbox before it is deleted.' },
  PAYMENT_GATEWAY_URL: { schema: { type: 'string', pattern: '^https?://\\S+$' }, description: 'Base URL of the Juspay-style payment gateway. Unset: a payment simulator runs in-process on a free port with credentials generated at start.' },
  PAYMENT_GATEWAY_API_KEY: { schema: { type: 'string', pattern: '^[\\x21-\\x7e]+$' }, secret: true, description: 'API key of the gateway account (HTTP Basic user name); required with `PAYMENT_GATEWAY_URL`.' },
  PAYMENT_GATEWAY_MERCHANT_ID: { schema: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' }, description: 'Merchant id of the gateway account (`x-merchantid`); required with `PAYMENT_GATEWAY_URL`.' },
  PAYMENT_WEBHOOK_USERNAME: { schema: { type: 'string', pattern: '^[^:\\s]+$' }, description: 'User name the gateway sends its webhooks with (HTTP Basic scheme); set with `PAYMENT_WEBHOOK_PASSWORD`.' },
  PAYMENT_WEBHOOK_PASSWORD: { schema: { type: 'string', minLength: 16, pattern: '^\\S+$' }, secret: true, description: 'Password of the gateway\'s webhooks (HTTP Basic scheme, at least 16 characters).' },
  PAYMENT_WEBHOOK_HMAC_SECRET: { schema: { type: 'string', minLength: 32, pattern: '^\\S+$' }, secret: true, description: 'Secret of the HMAC-SHA256 signature over `timestamp.rawBody`, for a gateway that signs its webhooks instead (at least 32 characters).' },
  PAYMENT_GATEWAY_TIMEOUT_MS: { schema: { type: 'integer', minimum: 100, maximum: 120000 }, default: 10000, description: 'Bound on each call to the payment gateway.' },
  PAYMENT_STATUS_CHECK_BASE_DELAY_MS: { schema: { type: 'integer', minimum: 10, maximum: 3600000 }, default: 30000, description: 'First re-check of a payment not yet final; each later one waits twice as long, at most 10 minutes.' },
  PAYMENT_STATUS_CHECK_MAX_ATTEMPTS: { schema: { type: 'integer', minimum: 1, maximum: 100 }, default: 10, description: 'Status checks of a payment still not final before it goes to MANUAL_REVIEW.' },
  BAP_BUYER_FINDER_FEES_PERCENTAGE: { schema: { type: 'number', minimum: 0, maximum: 100 }, default: 1, description: 'Buyer finder fee the rider side asks, in percent of the order (ONDC `BUYER_FINDER_FEES`, type `percent`), sent in every search and init.' },
  SETTLEMENT_WINDOW: { schema: { type: 'string', minLength: 1 }, default: 'PT60M', description: 'Time within which the collecting side settles with the other (ISO-8601 duration; ONDC `SETTLEMENT_TERMS.SETTLEMENT_WINDOW`).' },
  SETTLEMENT_BASIS: { schema: { type: 'string', pattern: '^[A-Z][A-Z_]*$' }, default: 'DELIVERY', description: 'Event the settlement window counts from (`SETTLEMENT_BASIS`), e.g. `DELIVERY`: the end of the ride.' },
  SETTLEMENT_TYPE: { schema: { type: 'string', enum: ['UPI', 'NEFT', 'RTGS'] }, default: 'UPI', description: 'How settlements are paid (`SETTLEMENT_TYPE`): `UPI`, `NEFT` or `RTGS`.' },
  SETTLEMENT_MANDATORY_ARBITRATION: { schema: { type: 'boolean' }, default: true, description: 'Disputes go to arbitration first (`MANDATORY_ARBITRATION`).' },
  SETTLEMENT_COURT_JURISDICTION: { schema: { type: 'string', minLength: 1, maxLength: 100 }, description: 'Court with jurisdiction over disputes (`COURT_JURISDICTION`). Unset: the city of `BAP_CITY_CODE` (std:080 Bengaluru, std:011 New Delhi, std:022 Mumbai, std:033 Kolkata, std:044 Chennai, std:040 Hyderabad, std:020 Pune, std:079 Ahmedabad); required for any other city code.' },
  SETTLEMENT_DELAY_INTEREST: { schema: { type: 'number', minimum: 0, maximum: 100 }, default: 0, description: 'Interest owed on a late settlement, in percent (`DELAY_INTEREST`).' },
  SETTLEMENT_STATIC_TERMS_URL: { schema: { type: 'string', pattern: '^https?://[^\\s/]+(/[^\\s]*)?$' }, description: 'URL of the operator\'s published settlement terms (`STATIC_TERMS`), sent by both roles. Unset: `{PUBLIC_URL}/static-terms.txt` (the operator publishes it there; the service does not serve it).' },
  BPP_SETTLEMENT_BANK_CODE: { schema: { type: 'string', pattern: '^[A-Z]{4}0[A-Z0-9]{6}$' }, description: 'IFSC of the provider\'s settlement account, sent as `params.bank_code` in on_init when the BPP collects; set with `BPP_SETTLEMENT_BANK_ACCOUNT_NUMBER`.' },
  BPP_SETTLEMENT_BANK_ACCOUNT_NUMBER: { schema: { type: 'string', pattern: '^[0-9]{9,18}$' }, description: 'Number of the provider\'s settlement account (`params.bank_account_number`, 9 to 18 digits); set with `BPP_SETTLEMENT_BANK_CODE`.' },
  BPP_SETTLEMENT_VPA: { schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{2,256}@[A-Za-z][A-Za-z0-9]{1,63}$' }, description: 'UPI address of the provider\'s settlement account (`params.virtual_payment_address`). With none of the three set, on_init names no settlement account.' },
  BAP_SETTLEMENT_BANK_CODE: { schema: { type: 'string', pattern: '^[A-Z]{4}0[A-Z0-9]{6}$' }, description: 'IFSC of the rider side\'s settlement account (the provider collecting settles the finder fee into it), sent as `params.bank_code` in init; set with `BAP_SETTLEMENT_BANK_ACCOUNT_NUMBER`.' },
  BAP_SETTLEMENT_BANK_ACCOUNT_NUMBER: { schema: { type: 'string', pattern: '^[0-9]{9,18}$' }, description: 'Number of the rider side\'s settlement account (`params.bank_account_number` of init, 9 to 18 digits); set with `BAP_SETTLEMENT_BANK_CODE`.' },
  BAP_SETTLEMENT_VPA: { schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{2,256}@[A-Za-z][A-Za-z0-9]{1,63}$' }, description: 'UPI address of the rider side\'s settlement account (`params.virtual_payment_address` of init). With none of the three set, init names no account (ONDC:TRV10 asks for one when the provider collects).' },
  SUPPLY_SNAPSHOT_INTERVAL_SECONDS: { schema: { type: 'integer', minimum: 0, maximum: 3600 }, default: 60, description: 'How often the provider side records supply snapshots (idle and on-ride drivers per cell) for the analytics; 0 turns them off.' },
  DRIVER_MAX_PARALLEL_OFFERS: { schema: { type: 'integer', minimum: 1, maximum: 50 }, default: 3, description: 'Open ride offers one driver may hold at once (across rides); allocation passes over a driver who holds this many.' },
} as const satisfies Record<string, VariableSpec>;

export type VariableName = keyof typeof variables;
export const variableNames = Object.keys(variables) as VariableName[];

/** The variables whose presence makes a store real; all four make the full profile. */
export const serviceUrlVariables = ['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS', 'CLICKHOUSE_URL'] as const;
export const secretVariables = variableNames.filter((name) => (variables[name] as VariableSpec).secret === true);
