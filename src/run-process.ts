import { ConfigError, loadConfig, readEnv, type LoadedConfig } from './config/index.js';
import type { AppContext } from './context.js';
import { seedDemoNetwork } from './demo/demo-network.js';
import { createLogger } from './infra/logging/logger.js';
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

function banner(ctx: AppContext, base: string): string {
  const roles = ctx.config.beckn.roles;
  const lines = [`beckn-ride ${version} (${ctx.config.profile} profile) listening on ${base}`];
  if (roles.includes('bap')) lines.push(`  BAP       ${base}/beckn/bap  (${ctx.config.beckn.subscriberIds.bap})`);
  if (roles.includes('bpp')) lines.push(`  BPP       ${base}/beckn/bpp  (${ctx.config.beckn.subscriberIds.bpp})`);
  if (roles.includes('gateway')) lines.push(`  gateway   ${base}/beckn/gateway  (${ctx.config.beckn.subscriberIds.gateway})`);
  if (roles.includes('registry')) lines.push(`  registry  ${base}/registry/lookup`);
  lines.push(`  readiness ${base}/health/ready`, `  metrics   ${base}/metrics`, `  openapi   ${base}/openapi.json`, '');
  return lines.join('\n');
}

/** Past the bound, the main thread's own timer exits first; this much later the watchdog thread kills the process. */
const WATCHDOG_MARGIN_MS = 1_000;
/** Bound on exporting the spans still buffered once the server has drained. */
const TRACE_FLUSH_MS = 2_000;

/**
 * The process: configuration (stops with one line when wrong), the server,
 * and a bounded graceful shutdown on SIGTERM/SIGINT. Domain modules register
 * their handlers through `beforeStart`.
 */
export async function runProcess(beforeStart?: (ctx: AppContext) => void): Promise<void> {
  const loaded = loadOrExit();
  const { config } = loaded;
  const logger = createLogger(config.logLevel, stdoutLogDestination());
  showGeneratedSecrets(loaded);

  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(1);
  });

  const running = await startServer(config, logger, beforeStart).catch((error: unknown) => {
    logger.fatal({ err: error }, 'start-up failed');
    process.exit(1);
  });
  // The context's config names the port really listened on, also when PORT=0 and no PUBLIC_URL is set.
  const base = running.ctx.config.http.publicUrl;
  logger.info({ port: running.port, profile: config.profile, version }, 'listening');
  process.stdout.write(banner(running.ctx, base));
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
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
    const drained = await running.shutdown();
    logger.info({ drained }, 'shutdown complete');
    await stopTracing(TRACE_FLUSH_MS);
    process.exit(drained ? 0 : 1);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  if (config.demoNetwork && config.beckn.roles.includes('bpp')) {
    // Reached over loopback: the seeding goes through the operator and driver APIs like any operator tool.
    void seedDemoNetwork({
      baseUrl: `http://127.0.0.1:${running.port}`,
      adminToken: config.secrets.adminToken,
      bppSubscriberId: config.beckn.subscriberIds.bpp,
      dataDir: config.dataDir,
      logger,
    }).then(
      () => process.stdout.write('Demo operator and simulated drivers are ready: try `npm run demo`.\n'),
      (error: unknown) => logger.error({ err: error }, 'the demo network could not be seeded'),
    );
  }
}
