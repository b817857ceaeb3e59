import pg from 'pg';
import { QueryTypes, Sequelize } from 'sequelize';
import type { Logger } from '../logging/logger.js';

export interface SequelizeOptions {
  url: string;
  logger: Logger;
  poolMax: number;
  /** Server-side cap per statement; real Postgres honours it, PGlite ignores startup parameters. */
  statementTimeoutMs?: number;
  applicationName?: string;
}

export interface PoolStats {
  size: number;
  available: number;
  using: number;
  waiting: number;
}

const CONNECT_TIMEOUT_MS = 5_000;
const ACQUIRE_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 10_000;
const EVICT_INTERVAL_MS = 1_000;
const DEFAULT_CHECK_TIMEOUT_MS = 2_000;

export function createSequelize(options: SequelizeOptions): Sequelize {
  const { logger } = options;
  const dialectOptions: Record<string, unknown> = { connectionTimeoutMillis: CONNECT_TIMEOUT_MS };
  if (options.statementTimeoutMs !== undefined) dialectOptions.statement_timeout = options.statementTimeoutMs;
  if (options.applicationName !== undefined) dialectOptions.application_name = options.applicationName;

  return new Sequelize(options.url, {
    dialect: 'postgres',
    // Handing Sequelize the imported driver avoids its require()-based lookup under ESM.
    dialectModule: pg,
    dialectOptions,
    benchmark: true,
    logging: (sql, durationMs) => logger.debug({ sql, durationMs }, 'postgres query'),
    pool: {
      max: options.poolMax,
      min: 0,
      acquire: ACQUIRE_TIMEOUT_MS,
      idle: IDLE_TIMEOUT_MS,
      evict: EVICT_INTERVAL_MS,
    },
  });
}

/** Readiness probe: one round trip, rejected if it takes longer than `timeoutMs`. */
export async function checkPostgres(sequelize: Sequelize, timeoutMs = DEFAULT_CHECK_TIMEOUT_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`postgres did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([sequelize.query('SELECT 1', { type: QueryTypes.SELECT }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Connection pool counters for metrics, read from sequelize-pool behind the connection manager. */
export function poolStats(sequelize: Sequelize): PoolStats {
  // The pool is not part of Sequelize's typings; its counters are checked at runtime instead.
  const pool: unknown = (sequelize.connectionManager as unknown as { pool?: unknown }).pool;
  if (typeof pool === 'object' && pool !== null) {
    const { size, available, using, waiting } = pool as Partial<Record<keyof PoolStats, unknown>>;
    if (
      typeof size === 'number' &&
      typeof available === 'number' &&
      typeof using === 'number' &&
      typeof waiting === 'number'
    ) {
      return { size, available, using, waiting };
    }
  }
  throw new Error('the Sequelize connection manager exposes no pool counters');
}
