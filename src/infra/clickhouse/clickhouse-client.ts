import { ClickHouseLogLevel, createClient, type ClickHouseClient, type Logger as ClientLogger } from '@clickhouse/client';
import type { Logger } from '../logging/logger.js';

export type { ClickHouseClient };

export interface ClickHouseOptions {
  url: string;
  database: string;
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
  /** Receives the client's own warnings and errors; without it they are dropped (failures still reject). */
  logger?: Logger;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Quotes a database or table name for SQL text. ClickHouse 18.16 (Debian's
 * package) has no server-side query parameters, so names are checked here.
 */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a valid ClickHouse identifier: "${name}"`);
  return `\`${name}\``;
}

/** The client instantiates its logger class itself, so the pino logger travels in a closure. */
function pinoLoggerClass(logger: Logger): new () => ClientLogger {
  const log = logger.child({ component: 'clickhouse-client' });
  return class implements ClientLogger {
    trace({ module, message, args }: Parameters<ClientLogger['trace']>[0]): void {
      log.trace({ module, ...args }, message);
    }
    debug({ module, message, args }: Parameters<ClientLogger['debug']>[0]): void {
      log.debug({ module, ...args }, message);
    }
    info({ module, message, args }: Parameters<ClientLogger['info']>[0]): void {
      log.info({ module, ...args }, message);
    }
    warn({ module, message, args, err }: Parameters<ClientLogger['warn']>[0]): void {
      log.warn({ module, ...args, err }, message);
    }
    error({ module, message, args, err }: Parameters<ClientLogger['error']>[0]): void {
      log.error({ module, ...args, err }, message);
    }
  };
}

/** A client whose unqualified table names resolve in `options.database`. */
export function createClickHouse(options: ClickHouseOptions): ClickHouseClient {
  return createClient({
    url: options.url,
    database: options.database,
    username: options.username ?? 'default',
    password: options.password ?? '',
    request_timeout: options.requestTimeoutMs ?? 30_000,
    application: 'beckn-ride',
    log: options.logger
      ? { LoggerClass: pinoLoggerClass(options.logger), level: ClickHouseLogLevel.WARN }
      : { level: ClickHouseLogLevel.OFF },
  });
}

/**
 * Creates `database` if it is missing. It uses its own client on the server's
 * default database, because a client bound to a missing database fails every request.
 */
export async function ensureDatabase(
  url: string,
  database: string,
  credentials: { username?: string; password?: string } = {},
): Promise<void> {
  const client = createClickHouse({ url, database: 'default', ...credentials });
  try {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}` });
  } finally {
    await client.close();
  }
}
