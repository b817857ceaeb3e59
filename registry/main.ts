import { ConfigError, loadConfig, readEnv, type LoadedConfig } from '../src/config/index.js';
import { createContext } from '../src/context.js';
import { drain, listen } from '../src/infra/http/index.js';
import { createLogger } from '../src/infra/logging/logger.js';
import { buildRegistryApp } from './standalone-app.js';

/**
 * Runs the dev registry alone (`ROLES=registry npx tsx registry/main.ts`),
 * configured by the same environment as the service: its Postgres,
 * ADMIN_TOKEN for the admin routes and REGISTRY_SEED_FILE for records loaded
 * at start. Only health and registry routes are served; no background work runs.
 */
function loadOrExit(): LoadedConfig {
  try {
    return loadConfig(readEnv(process.env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`beckn-ride registry: ${error.message}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const { config, generatedSecrets } = loadOrExit();
  const logger = createLogger(config.logLevel);
  const adminToken = generatedSecrets.find((secret) => secret.name === 'ADMIN_TOKEN');
  if (adminToken) process.stdout.write(`Generated ADMIN_TOKEN (kept in ${config.dataDir}/secrets.json, shown only now): ${adminToken.value}\n`);

  const ctx = await createContext(config, logger).catch((error: unknown) => {
    logger.fatal({ err: error }, 'registry start-up failed');
    process.stderr.write(`beckn-ride registry: ${(error as Error).message}\n`);
    process.exit(1);
  });
  // The composition root builds the registry (and loads the seed file) when ROLES includes it.
  const registry = ctx.beckn.registry;
  if (registry === null) {
    process.stderr.write('beckn-ride registry: ROLES must include registry (e.g. ROLES=registry)\n');
    await ctx.destroy();
    process.exit(1);
  }
  const { server, port } = await listen(buildRegistryApp(ctx, registry), config.http.port, config.http.host);
  logger.info({ port, profile: config.profile }, 'registry listening');
  process.stdout.write(`beckn-ride registry listening on http://${config.http.host}:${port}/registry/lookup\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'registry shutting down');
    ctx.lifecycle.draining = true;
    const drained = await drain(server, Math.floor(config.http.shutdownTimeoutMs * 0.6));
    await ctx.destroy();
    process.exit(drained ? 0 : 1);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

await main();
