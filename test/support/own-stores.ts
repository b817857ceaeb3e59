import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { freePort } from './test-app.js';
import { waitUntil } from './wait-until.js';

/**
 * Stores a fault test may stop and start: each is an instance of its own, on
 * a free port and a temporary folder, so stopping it disturbs no other test
 * and no test depends on another's order.
 */

const run = promisify(execFile);

/** A redis-server of its own, keeping nothing on disk: a restart comes back empty. */
export interface OwnRedis {
  url: string;
  port: number;
  /** Stops it abruptly (SIGKILL): every client's connection drops at once. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  running(): boolean;
  dispose(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'beckn-ride-test-redis-'));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const ping = async (): Promise<boolean> => {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  };

  const start = async () => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    await waitUntil(`redis-server on port ${port} answers`, ping, { timeoutMs: 20_000, intervalMs: 50 });
  };
  const stop = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    start,
    stop,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Postgres cluster of its own (initdb into a temporary folder, trust auth), with one database named for tests. */
export interface OwnPostgres {
  /** URL of its test database. */
  url: string;
  port: number;
  /** pg_ctl stop: `fast` disconnects every session and shuts down cleanly; `immediate` is a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts the cluster again on the same data folder and port. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/** initdb refuses to run as root: run the cluster's commands as the postgres user then. */
function asClusterOwner(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

async function clusterCommand(command: string, args: string[], timeoutMs = 60_000): Promise<void> {
  const [file, argv] = asClusterOwner(command, args);
  await run(file, argv, { timeout: timeoutMs });
}

export async function startOwnPostgres(database = 'beckn_ride_test_own'): Promise<OwnPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'beckn-ride-test-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const owner = (await run('id', ['-u', 'postgres'])).stdout.trim();
    const group = (await run('id', ['-g', 'postgres'])).stdout.trim();
    chownSync(dir, Number(owner), Number(group));
  }
  await clusterCommand('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
  const port = await freePort();
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=100`;
  const start = () => clusterCommand('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'postgres.log'), '-w', '-t', '60', 'start'], 90_000);
  const stop = (mode: 'fast' | 'immediate' = 'fast') => clusterCommand('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop'], 90_000);
  await start();
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    port,
    stop: async (mode) => {
      await stop(mode);
      stopped = true;
    },
    start: async () => {
      await start();
      stopped = false;
    },
    dispose: async () => {
      if (!stopped) await stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
