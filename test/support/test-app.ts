import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { loadConfig, type RawEnv } from '../../src/config/index.js';
import { createContext, type AppContext, type ContextOverrides } from '../../src/context.js';
import { drain, listen } from '../../src/infra/http/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { freshServerDatabase } from './fresh-database.js';
import { testServices, uniqueTestPrefix } from './services.js';

export interface TestApp extends BuiltApp {
  ctx: AppContext;
  server: Server;
  baseUrl: string;
  close(): Promise<void>;
}

/** A port free right now, for a service that must know its public URL before it listens. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Fresh secrets for one test run: no secret is ever committed. */
export function testSecrets(): Required<Pick<RawEnv, 'ADMIN_TOKEN' | 'AUDITOR_TOKEN' | 'SIGNING_PRIVATE_KEY' | 'ENCRYPTION_KEY'>> {
  return {
    ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    AUDITOR_TOKEN: randomBytes(24).toString('base64url'),
    SIGNING_PRIVATE_KEY: randomBytes(32).toString('base64'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
}

/** The environment of the full profile against this machine's real services. */
export function fullProfileEnv(extra: RawEnv = {}): RawEnv {
  return {
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'beckn-ride-test-')),
    DATABASE_URL: testServices.databaseUrl,
    REDIS_URL: testServices.redisUrl,
    REDIS_KEY_PREFIX: uniqueTestPrefix('app'),
    KAFKA_BROKERS: testServices.kafkaBrokers.join(','),
    CLICKHOUSE_URL: testServices.clickhouseUrl,
    CLICKHOUSE_DATABASE: testServices.clickhouseDatabase,
    ...testSecrets(),
    ...extra,
  };
}

/** Boots the real service in-process (real stores, real HTTP on a free port). */
export async function startTestApp(
  env: RawEnv = fullProfileEnv(),
  overrides: ContextOverrides = {},
  logDestination?: DestinationStream,
  beforeStart?: (ctx: AppContext) => void,
): Promise<TestApp> {
  // Each app gets its own database: outbox and inbox rows of one suite never reach another's workers.
  const database = env.DATABASE_URL === testServices.databaseUrl ? await freshServerDatabase('app') : null;
  const { config } = loadConfig(database ? { ...env, DATABASE_URL: database.url } : env);
  const logger = createLogger(config.logLevel, logDestination);
  const ctx = await createContext(config, logger, overrides);
  const built = buildApp(ctx);
  beforeStart?.(ctx);
  ctx.start();
  const { server, port } = await listen(built.app, config.http.port, '127.0.0.1');
  return {
    ...built,
    ctx,
    server,
    baseUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      await drain(server, 5_000);
      await ctx.destroy();
      await database?.dispose();
    },
  };
}
