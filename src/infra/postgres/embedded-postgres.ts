import { chmod, lstat, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Logger } from '../logging/logger.js';
import { lockDataDir } from '../data-dir-lock.js';

export interface EmbeddedPostgresOptions {
  /** Folder holding the database files; created when missing. */
  dataDir: string;
  logger: Logger;
  /**
   * Simultaneous client connections accepted. pglite-socket refuses the rest
   * outright, so this must cover every pool that connects (the app's, the
   * migration run's). Queries are executed one at a time whatever the count.
   */
  maxConnections?: number;
}

export interface EmbeddedPostgres {
  /** A `postgres://` URL for `pg` and Sequelize, naming the socket's folder as its `host`. */
  url: string;
  /** Stops accepting connections, then shuts PGlite down cleanly so its files are consistent. */
  close(): Promise<void>;
}

const DEFAULT_MAX_CONNECTIONS = 32;
/** The port only names the socket file (`.s.PGSQL.<port>`, where libpq and `pg` look for it). */
const SOCKET_PORT = 5432;
const SOCKET_FILE = `.s.PGSQL.${SOCKET_PORT}`;
/** sun_path holds 108 bytes with its terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

/**
 * PGlite persisted in `dataDir`, served over the Postgres wire protocol on a
 * Unix socket. PGlite trusts every client that connects, so the socket lives
 * in a folder only this OS user may enter (0700): a TCP port, even on
 * loopback, would let any local user read the registry keys and token hashes.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { dataDir, logger } = options;
  const started = Date.now();
  await mkdir(dataDir, { recursive: true });
  const unlock = await lockDataDir(dataDir);

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
  let socket: PrivateSocketDir;
  try {
    socket = await privateSocketDir(dataDir);
  } catch (error) {
    await db.close();
    unlock();
    throw error;
  }
  const server = new PGLiteSocketServer({
    db,
    path: join(socket.dir, SOCKET_FILE),
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
  });
  server.addEventListener('error', (event) => {
    logger.warn({ err: (event as CustomEvent<unknown>).detail }, 'embedded postgres socket error');
  });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    await socket.remove();
    unlock();
    throw err;
  }

  // `pg` and Sequelize read a `host` query parameter that starts with '/' as the socket's folder.
  const url = `postgres://postgres@localhost:${SOCKET_PORT}/postgres?host=${encodeURIComponent(socket.dir)}`;
  logger.info({ dataDir, socketDir: socket.dir, startupMs: Date.now() - started }, 'embedded postgres listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    close: () =>
      (closing ??= (async () => {
        await server.stop();
        await db.close();
        await socket.remove();
        unlock();
        logger.info({ dataDir }, 'embedded postgres closed');
      })()),
  };
}

interface PrivateSocketDir {
  dir: string;
  /** Removes what this start created: the socket file, and the folder when it is a temporary one. */
  remove(): Promise<void>;
}

/**
 * `<dataDir>.socket`, created 0700 and checked to be a real folder of this
 * user (a symlink or someone else's folder is refused). A socket left by a
 * killed process is removed: the data folder lock says none is running. When
 * that path is too long for a socket address, a fresh 0700 folder under the
 * system's temporary folder is used instead.
 */
async function privateSocketDir(dataDir: string): Promise<PrivateSocketDir> {
  const beside = `${dataDir}.socket`;
  if (Buffer.byteLength(join(beside, SOCKET_FILE)) > MAX_SOCKET_PATH_BYTES) {
    const dir = await mkdtemp(join(tmpdir(), 'beckn-ride-pg-'));
    return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
  }
  await mkdir(beside, { recursive: true, mode: 0o700 });
  const stat = await lstat(beside);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.()) {
    throw new Error(`embedded postgres socket folder ${beside} must be a folder owned by this user`);
  }
  await chmod(beside, 0o700);
  const socketPath = join(beside, SOCKET_FILE);
  await rm(socketPath, { force: true });
  return { dir: beside, remove: () => rm(socketPath, { force: true }) };
}
