import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { adoptOrphanSpools, askSlot, isClusterWorker, joinCluster, runPrimary, spoolDirOf, type SpoolAdoption } from './cluster/index.js';
import { ConfigError, loadConfig, readEnv, type Config, type LoadedConfig } from './config/index.js';
import { createContext, type AppContext } from './context.js';
import { seedDemoNetwork } from './demo/demo-network.js';
import { createLogger, type Logger } from './infra/logging/logger.js';
import { startPaymentSimulator } from './payments/gateway/index.js';
import { stopTracing } from './infra/tracing/index.js';
import { startServer } from './server.js';
import { startShutdownWatchdog } from './shutdown-watchdog.js';
import { stdoutLogDestination } from './stdout-log-destination.js';
import { version } from './version.js';

function loadOrExit(): LoadedConfig {
  try {
    return loadConfig(readEnv(process.env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`beckn-ride: ${error.message}\n`);
    process.exit(1);
  }
}

function showGeneratedSecrets(loaded: LoadedConfig): void {
  if (loaded.generatedSecrets.length === 0) return;
  const lines = loaded.generatedSecrets.map(({ name, value }) => `  ${name}=${value}`);
  process.stdout.write(
    `Generated secrets for the embedded profile (kept in ${loaded.config.dataDir}/secrets.json, shown only now):\n${lines.join('\n')}\n`,
  );
}

function banner(config: Config, base: string): string {
  const roles = config.beckn.roles;
  const workers = config.workers > 1 ? `, ${config.workers} workers` : '';
  const lines = [`beckn-ride ${version} (${config.profile} profile${workers}) listening on ${base}`];
  if (roles.includes('bap')) lines.push(`  BAP       ${base}/beckn/bap  (${config.beckn.subscriberIds.bap})`);
  if (roles.includes('bpp')) lines.push(`  BPP       ${base}/beckn/bpp  (${config.beckn.subscriberIds.bpp})`);
  if (roles.includes('gateway')) lines.push(`  gateway   ${base}/beckn/gateway  (${config.beckn.subscriberIds.gateway})`);
  if (roles.includes('registry')) lines.push(`  registry  ${base}/registry/lookup`);
  lines.push(`  readiness ${base}/health/ready`, `  metrics   ${base}/metrics`, `  openapi   ${base}/openapi.json`, '');
  return lines.join('\n');
}

/** Past the bound, the main thread's own timer exits first; this much later the watchdog thread kills the process. */
const WATCHDOG_MARGIN_MS = 1_000;
/** Bound on exporting the spans still buffered once the server has drained. */
const TRACE_FLUSH_MS = 2_000;

/** Seeds the demo operator and drivers over loopback, like any operator tool, once the port answers. */
function seedDemo(config: Config, port: number, logger: Logger): void {
  if (!config.demoNetwork || !config.beckn.roles.includes('bpp')) return;
  void seedDemoNetwork({
    baseUrl: `http://127.0.0.1:${port}`,
    adminToken: config.secrets.adminToken,
    bppSubscriberId: config.beckn.subscriberIds.bpp,
    dataDir: config.dataDir,
    logger,
  }).then(
    () => process.stdout.write('Demo operator and simulated drivers are ready: try `npm run demo`.\n'),
    (error: unknown) => logger.error({ err: error }, 'the demo network could not be seeded'),
  );
}

/** A worker of the cluster: slot k ships its own spool, and only slot 1 runs the jobs one process must run alone (checkpoints); the primary seeds the demo. */
function workerConfig(config: Config, slot: number): Config {
  return Object.freeze({
    ...config,
    demoNetwork: false,
    audit: Object.freeze({
      ...config.audit,
      spoolDir: spoolDirOf(config.audit.spoolDir, slot),
      checkpoints: Object.freeze({ ...config.audit.checkpoints, dir: slot === 1 ? config.audit.checkpoints.dir : null }),
    }),
  });
}

/**
 * Serves until SIGTERM/SIGINT, then drains within the bound. `slot` is null
 * for the single process (WORKERS=1), which behaves as it always has; a
 * cluster worker also drains when the primary asks, ignores SIGINT (a
 * terminal's Ctrl-C reaches the whole group: the primary decides) and
 * answers /metrics with the whole service's.
 */
async function serve(configured: Config, logger: Logger, slot: number | null, beforeStart?: (ctx: AppContext) => void): Promise<void> {
  const config = slot === null ? configured : workerConfig(configured, slot);
  const running = await startServer(config, logger, beforeStart).catch((error: unknown) => {
    logger.fatal({ err: error }, 'start-up failed');
    process.exit(1);
  });
  // The context's config names the port really listened on, also when PORT=0 and no PUBLIC_URL is set.
  const base = running.ctx.config.http.publicUrl;
  logger.info({ port: running.port, profile: config.profile, version, ...(slot === null ? {} : { worker: slot }) }, 'listening');
  if (slot === null) process.stdout.write(banner(running.ctx.config, base));
  // Spools of worker slots this run does not fill are shipped by the one process that owns slot 1.
  let adoption: SpoolAdoption | null = null;
  if ((slot ?? 1) === 1 && running.ctx.kafka) {
    adoption = adoptOrphanSpools({
      kafka: running.ctx.kafka,
      topic: config.audit.topic,
      spoolDir: configured.audit.spoolDir,
      spoolMaxBytes: config.audit.spoolMaxBytes,
      workers: configured.workers,
      logger,
    });
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      // A worker hears the primary and maybe the signal itself: one drain is enough.
      if (slot !== null) return;
      logger.warn({ signal }, 'second signal during shutdown, exiting now');
      process.exit(1);
    }
    stopping = true;
    // The timer below needs a free main thread; the watchdog's thread does not.
    startShutdownWatchdog(config.http.shutdownTimeoutMs + WATCHDOG_MARGIN_MS);
    const deadline = setTimeout(() => {
      logger.error({ signal }, 'shutdown exceeded its bound, exiting');
      process.exit(1);
    }, config.http.shutdownTimeoutMs);
    deadline.unref();
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    await adoption?.stop();
    const drained = await running.shutdown();
    logger.info({ drained }, 'shutdown complete');
    await stopTracing(TRACE_FLUSH_MS);
    process.exit(drained ? 0 : 1);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  if (slot === null) {
    process.on('SIGINT', () => void shutdown('SIGINT'));
    seedDemo(config, running.port, logger);
  } else {
    process.on('SIGINT', () => undefined);
    const cluster = joinCluster(running.ctx.metrics.registry, () => void shutdown('primary'));
    running.ctx.metrics.exposeThrough(cluster.serviceMetrics);
  }
}

/** PORT=0 is resolved once by the primary, so every worker shares one port (and registers the URL of it). */
async function concretePort(config: Config): Promise<{ port: number; publicUrl: string }> {
  const { host, port, publicUrl } = config.http;
  if (port !== 0) return { port, publicUrl };
  const picked = await new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port: free } = probe.address() as AddressInfo;
      probe.close(() => resolve(free));
    });
  });
  return { port: picked, publicUrl: publicUrl === `http://${host}:0` ? `http://${host}:${picked}` : publicUrl };
}

/**
 * WORKERS > 1: this process forks the workers and serves nothing itself. It
 * applies the migrations once, as `npm run migrate` does (a context built and
 * closed), so the workers start with MIGRATE_ON_START=false; it runs the
 * payment simulator when no gateway is configured, so every worker talks to
 * the same one with the same credentials.
 */
async function runClusterPrimary(configured: Config, logger: Logger): Promise<void> {
  const { port, publicUrl } = await concretePort(configured);
  const env: Record<string, string> = { PORT: String(port), MIGRATE_ON_START: 'false' };
  let config: Config = { ...configured, http: { ...configured.http, port, publicUrl } };
  let closeSimulator = async () => undefined as void;
  try {
    if (config.payments.gateway === null) {
      const account = { apiKey: randomBytes(24).toString('base64url'), merchantId: 'beckn-ride-simulator', username: 'beckn-ride', password: randomBytes(24).toString('base64url') };
      const simulator = await startPaymentSimulator({
        port: 0,
        apiKey: account.apiKey,
        merchantId: account.merchantId,
        webhookAuth: { scheme: 'basic', username: account.username, password: account.password },
        webhookUrl: `${publicUrl}/payments/webhook/juspay`,
        logger,
      });
      closeSimulator = () => simulator.close();
      logger.info({ url: simulator.url }, 'PAYMENT_GATEWAY_URL unset: the workers share the payment simulator the primary runs');
      Object.assign(env, {
        PAYMENT_GATEWAY_URL: simulator.url,
        PAYMENT_GATEWAY_API_KEY: account.apiKey,
        PAYMENT_GATEWAY_MERCHANT_ID: account.merchantId,
        PAYMENT_WEBHOOK_USERNAME: account.username,
        PAYMENT_WEBHOOK_PASSWORD: account.password,
      });
      config = {
        ...config,
        payments: { ...config.payments, gateway: { url: simulator.url, apiKey: account.apiKey, merchantId: account.merchantId, webhookAuth: { scheme: 'basic', username: account.username, password: account.password } } },
      };
    }
    if (config.migrateOnStart) await (await createContext(config, logger)).destroy();
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    await closeSimulator().catch(() => undefined);
    process.exit(1);
  }
  const code = await runPrimary({
    workers: config.workers,
    logger,
    env,
    shutdownTimeoutMs: config.http.shutdownTimeoutMs,
    onAllListening: () => {
      logger.info({ port, workers: config.workers, profile: config.profile, version }, 'listening');
      process.stdout.write(banner(config, publicUrl));
      seedDemo(config, port, logger);
    },
  });
  await closeSimulator().catch(() => undefined);
  await stopTracing(TRACE_FLUSH_MS);
  process.exit(code);
}

/**
 * The process: configuration (stops with one line when wrong), the server,
 * and a bounded graceful shutdown on SIGTERM/SIGINT. Domain modules register
 * their handlers through `beforeStart`. With WORKERS > 1 it is the primary of
 * a cluster (src/cluster) and each worker it forks runs this again.
 */
export async function runProcess(beforeStart?: (ctx: AppContext) => void): Promise<void> {
  const loaded = loadOrExit();
  const { config } = loaded;
  const logger = createLogger(config.logLevel, stdoutLogDestination());

  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(1);
  });

  if (isClusterWorker()) {
    const slot = await askSlot();
    await serve(config, logger.child({ worker: slot }), slot, beforeStart);
    return;
  }
  showGeneratedSecrets(loaded);
  if (config.workers > 1) await runClusterPrimary(config, logger);
  else await serve(config, logger, null, beforeStart);
}
