import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './test-app.js';
import { waitUntil } from './wait-until.js';

/**
 * Stores a fault test runs of its own (its own ports and folders), so that
 * stopping them disturbs no other suite, checkout or engineer sharing the
 * machine's services.
 */

const servicesScript = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url));

export { freePort };

/** Whether something accepts TCP connections at `host:port`. */
export function portOpen(address: string): Promise<boolean> {
  const [host = '127.0.0.1', port = '9092'] = address.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A Kafka broker private to one suite, started and stopped through `scripts/services.sh kafka-start|kafka-stop`. */
export interface OwnBroker {
  address: string;
  run(command: 'kafka-stop' | 'kafka-start'): Promise<string>;
}

export async function ownBroker(dir: string): Promise<OwnBroker> {
  const [port, controllerPort] = [await freePort(), await freePort()];
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort), KAFKA_INSTANCE_DIR: dir };
  return {
    address: `127.0.0.1:${port}`,
    async run(command) {
      const { stdout, stderr } = await promisify(execFile)('bash', [servicesScript, command], { timeout: 150_000, env });
      return `${stdout}${stderr}`;
    },
  };
}

/** A ClickHouse server private to one suite: Debian's clickhouse-server run on free ports with its data in `dir`. */
export interface OwnClickHouse {
  url: string;
  dir: string;
  /** Starts the server (again, on the same data) and waits until it answers /ping. */
  start(): Promise<void>;
  /** Sends `signal` and waits until the process is gone (SIGKILL after `graceMs`); resolves the pid stopped. */
  stop(signal?: 'SIGTERM' | 'SIGKILL', graceMs?: number): Promise<number | null>;
  /** Whether /ping answers now. */
  ping(): Promise<boolean>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The machine's clickhouse-server (the shared instance's binary and
 * /etc/clickhouse-server/config.xml, as scripts/services.sh starts it), with
 * every path under `dir` and the HTTP, native and interserver ports on free
 * ports, listening on 127.0.0.1 only.
 */
export async function ownClickHouse(dir: string): Promise<OwnClickHouse> {
  const [httpPort, tcpPort, interserverPort] = [await freePort(), await freePort(), await freePort()];
  const data = join(dir, 'data');
  const pidFile = join(dir, 'clickhouse.pid');
  const url = `http://127.0.0.1:${httpPort}`;
  let pid: number | null = null;

  const ping = async (): Promise<boolean> => {
    try {
      const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2_000) });
      return response.ok && (await response.text()).startsWith('Ok');
    } catch {
      return false;
    }
  };

  return {
    url,
    dir,
    ping,
    async start() {
      await mkdir(join(data, 'tmp'), { recursive: true });
      const args = [
        '--daemon',
        '--config-file=/etc/clickhouse-server/config.xml',
        `--pid-file=${pidFile}`,
        '--',
        `--path=${data}/`,
        `--tmp_path=${data}/tmp/`,
        `--user_files_path=${data}/user_files/`,
        `--format_schema_path=${data}/format_schemas/`,
        '--listen_host=127.0.0.1',
        `--http_port=${httpPort}`,
        `--tcp_port=${tcpPort}`,
        `--interserver_http_port=${interserverPort}`,
        `--logger.log=${join(dir, 'clickhouse-server.log')}`,
        `--logger.errorlog=${join(dir, 'clickhouse-server.err.log')}`,
      ];
      const child = spawn('clickhouse-server', args, { stdio: 'ignore' });
      const code = await new Promise<number | null>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', resolve);
      });
      if (code !== 0) throw new Error(`clickhouse-server --daemon exited with ${code}; see ${dir}/clickhouse-server.err.log`);
      await waitUntil(`the private ClickHouse answers ${url}/ping`, ping, { timeoutMs: 60_000, intervalMs: 200 });
      pid = Number((await readFile(pidFile, 'utf8')).trim());
    },
    async stop(signal = 'SIGTERM', graceMs = 30_000) {
      const stopping = pid;
      if (stopping === null || !alive(stopping)) return null;
      process.kill(stopping, signal);
      try {
        await waitUntil('the private ClickHouse has exited', () => !alive(stopping), { timeoutMs: graceMs, intervalMs: 100 });
      } catch {
        process.kill(stopping, 'SIGKILL');
        await waitUntil('the private ClickHouse has exited after SIGKILL', () => !alive(stopping), { timeoutMs: 10_000, intervalMs: 100 });
      }
      pid = null;
      return stopping;
    },
  };
}
