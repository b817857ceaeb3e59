import { ConfigError, loadConfig, readEnv } from './config/index.js';
import { createContext } from './context.js';
import { createLogger } from './infra/logging/logger.js';

/**
 * `npm run migrate`: builds the stores the config names, which applies the
 * pending Postgres and ClickHouse migrations and creates Kafka topics, then exits.
 */
try {
  const { config } = loadConfig(readEnv({ ...process.env, MIGRATE_ON_START: 'true' }));
  const logger = createLogger(config.logLevel);
  const ctx = await createContext(config, logger);
  await ctx.destroy();
  logger.info({ profile: config.profile }, 'migrations applied');
} catch (error) {
  process.stderr.write(`beckn-ride migrate: ${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
