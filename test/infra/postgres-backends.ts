import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Logger } from '../../src/infra/logging/logger.js';
import { startEmbeddedPostgres } from '../../src/infra/postgres/index.js';
import { testServices, uniqueTestName } from '../support/services.js';

/** One empty database, private to a single test case. */
export interface FreshDatabase {
  url: string;
  dispose(): Promise<void>;
}

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
  const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: testServices.databaseUrl });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'Postgres server',
    separateSessions: true,
    setUp: async () => undefined,
    freshDatabase: async () => {
      const name = uniqueTestName('pg');
      await admin((client) => client.query(`CREATE DATABASE "${name}"`));
      const url = new URL(testServices.databaseUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        dispose: async () => {
          await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
        },
      };
    },
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
