import type { Sequelize } from 'sequelize';
import type { Logger } from '../logging/logger.js';

/** Arbitrary fixed key shared by every replica; `pg_locks` shows it as classid = key >> 32, objid = low 32 bits. */
export const MIGRATION_LOCK_KEY = 7311146480370n;

interface Queryable {
  query(sql: string, values?: unknown[]): Promise<unknown>;
}

const runsInProcess = new Map<string, Promise<void>>();

/**
 * Runs `fn` while holding the migration lock for this database.
 *
 * Across processes the lock is `pg_advisory_lock` on one dedicated
 * connection. PGlite serves every connection from a single backend session,
 * where advisory locks are re-entrant and exclude nothing, so runs inside this
 * process are also queued per database; the embedded database only ever has
 * clients in the process that started it. A statement timeout configured on
 * the pool also bounds how long a replica waits for the lock.
 */
export async function withMigrationLock<T>(sequelize: Sequelize, logger: Logger, fn: () => Promise<T>): Promise<T> {
  const { host, port, database } = sequelize.config;
  return queueInProcess(`${host}:${port}/${database}`, () => withAdvisoryLock(sequelize, logger, fn));
}

async function queueInProcess<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = runsInProcess.get(key) ?? Promise.resolve();
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const current = previous.then(() => done);
  runsInProcess.set(key, current);
  await previous;
  try {
    return await fn();
  } finally {
    finish();
    if (runsInProcess.get(key) === current) runsInProcess.delete(key);
  }
}

async function withAdvisoryLock<T>(sequelize: Sequelize, logger: Logger, fn: () => Promise<T>): Promise<T> {
  const poolMax = sequelize.config.pool?.max ?? 0;
  if (poolMax < 2) {
    throw new Error(`migrations need a pool of at least 2 connections (one holds the lock), got ${poolMax}`);
  }
  const manager = sequelize.connectionManager;
  const connection = await manager.getConnection({ type: 'write', useMaster: true });
  const client = asQueryable(connection);
  let unlocked = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      return await fn();
    } finally {
      try {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
        unlocked = true;
      } catch (err) {
        // Swallowed so the migration's own error is the one reported; the lock goes with the session below.
        logger.warn({ err }, 'postgres migration lock could not be released; dropping its connection');
      }
    }
  } finally {
    // A connection that may still hold the lock must never return to the pool.
    if (unlocked) manager.releaseConnection(connection);
    else await manager.destroyConnection(connection);
  }
}

function asQueryable(connection: object): Queryable {
  if ('query' in connection && typeof connection.query === 'function') return connection as Queryable;
  throw new Error('the migration lock needs a pg connection (postgres dialect)');
}
