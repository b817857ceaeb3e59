import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../src/infra/logging/logger.js';
import { startEmbeddedPostgres } from '../../src/infra/postgres/index.js';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { uniqueTestName } from '../support/services.js';

export type { FreshDatabase };

/** A Postgres engine the shared cases run against. */
export interface PostgresBackend {
  name: string;
  /** False for PGlite, whose connections all share one backend session (so advisory locks exclude nothing). */
  separateSessions: boolean;
  setUp(): Promise<void>;
  freshDatabase(): Promise<FreshDatabase>;
  tearDown(): Promise<void>;
}

/** The server at testServices.databaseUrl, isolated by a uniquely named database per case. */
export function serverBackend(): PostgresBackend {
  return {
    name: 'Postgres server',
    separateSessions: true,
    setUp: async () => undefined,
    freshDatabase: () => freshServerDatabase(),
    tearDown: async () => undefined,
  };
}

/**
 * PGlite behind pglite-socket. The first start (initdb) is slow, so it runs
 * once into a template folder; each case starts on its own copy of it.
 */
export function embeddedBackend(logger: Logger): PostgresBackend {
  let root = '';
  const template = () => join(root, 'template');
  return {
    name: 'embedded PGlite',
    separateSessions: false,
    setUp: async () => {
      root = await mkdtemp(join(tmpdir(), 'beckn-ride-test-pglite-'));
      const embedded = await startEmbeddedPostgres({ dataDir: template(), logger });
      await embedded.close();
    },
    freshDatabase: async () => {
      const dataDir = join(root, uniqueTestName('db'));
      await cp(template(), dataDir, { recursive: true });
      const embedded = await startEmbeddedPostgres({ dataDir, logger });
      return { url: embedded.url, dispose: () => embedded.close() };
    },
    tearDown: async () => {
      if (root) await rm(root, { recursive: true, force: true });
    },
  };
}
