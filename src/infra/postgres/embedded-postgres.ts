import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Logger } from '../logging/logger.js';
import { lockDataDir } from '../data-dir-lock.js';

export interface EmbeddedPostgresOptions {
  /** Folder holding the database files; created when missing. */
  dataDir: string;
  logger: Logger;
  host?: string;
  /** 0 (the default) lets the OS pick a free port. */
  port?: number;
  /**
   * Simultaneous client connections accepted. pglite-socket refuses the rest
   * outright, so this must cover every pool that connects (the app's, the
   * migration run's). Queries are executed one at a time whatever the count.
   */
  maxConnections?: number;
}

export interface EmbeddedPostgres {
  /** A `postgres://` URL for `pg` and Sequelize. */
  url: string;
  /** Stops accepting connections, then shuts PGlite down cleanly so its files are consistent. */
  close(): Promise<void>;
}

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_MAX_CONNECTIONS = 32;

/** PGlite persisted in `dataDir`, served over the Postgres wire protocol on a local TCP port. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { dataDir, logger } = options;
  const host = options.host ?? DEFAULT_HOST;
  const started = Date.now();
  await mkdir(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);

  const db = await PGlite.create(dataDir, {
    // PGlite's server log (startup, shutdown, errors) would otherwise be dropped.
    onStderr: (line) => {
      logger.debug({ pglite: line }, 'embedded postgres log');
      return false;
    },
  }).catch((error: unknown) => {
    unlock();
    throw error;
  });
  const server = new PGLiteSocketServer({
    db,
    host,
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
  });
  server.addEventListener('error', (event) => {
    logger.warn({ err: (event as CustomEvent<unknown>).detail }, 'embedded postgres socket error');
  });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    unlock();
    throw err;
  }

  const port = listeningPort(server);
  const url = `postgres://postgres@${host.includes(':') ? `[${host}]` : host}:${port}/postgres`;
  logger.info({ dataDir, host, port, startupMs: Date.now() - started }, 'embedded postgres listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    close: () =>
      (closing ??= (async () => {
        await server.stop();
        await db.close();
        unlock();
        logger.info({ dataDir }, 'embedded postgres closed');
      })()),
  };
}

/** The socket server reports the port the OS picked only through its "host:port" connection string. */
function listeningPort(server: PGLiteSocketServer): number {
  const address = server.getServerConn();
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`embedded postgres reported no port: ${address}`);
  return port;
}
