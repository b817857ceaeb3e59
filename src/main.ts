import { buildApp } from './app.js';
import { ConfigError, loadConfig, readEnv, type LoadedConfig } from './config/index.js';
import { createContext } from './context.js';
import { drain, listen } from './infra/http/index.js';
import { createLogger } from './infra/logging/logger.js';
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

async function main(): Promise<void> {
  const loaded = loadOrExit();
  const { config } = loaded;
  const logger = createLogger(config.logLevel);
  showGeneratedSecrets(loaded);

  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(1);
  });

  const ctx = await createContext(config, logger).catch((error: unknown) => {
    logger.fatal({ err: error }, 'start-up failed');
    process.exit(1);
  });
  const { app } = buildApp(ctx);
  ctx.start();
  const { server, port } = await listen(app, config.http.port, config.http.host);
  const base = process.env.PUBLIC_URL ? config.http.publicUrl : `http://${config.http.host}:${port}`;
  logger.info({ port, profile: config.profile, version }, 'listening');
  process.stdout.write(
    [
      `beckn-ride ${version} (${config.profile} profile) listening on ${base}`,
      `  readiness ${base}/health/ready`,
      `  metrics   ${base}/metrics`,
      `  openapi   ${base}/openapi.json`,
      '',
    ].join('\n'),
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => {
      logger.error({ signal }, 'shutdown exceeded its bound, exiting');
      process.exit(1);
    }, config.http.shutdownTimeoutMs);
    deadline.unref();
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    ctx.lifecycle.draining = true;
    const drained = await drain(server, Math.floor(config.http.shutdownTimeoutMs * 0.6));
    await ctx.destroy();
    logger.info({ drained }, 'shutdown complete');
    process.exit(drained ? 0 : 1);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

await main();
