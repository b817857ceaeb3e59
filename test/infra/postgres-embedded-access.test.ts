import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createLogger } from '../../src/infra/logging/logger.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/infra/postgres/index.js';

const logger = createLogger('silent');
/** The conventional unprivileged account: another local user. */
const NOBODY = 65534;

/** Where a client would connect for `url`: the socket file when its host is a folder, else host:port. */
function endpointOf(url: string): { path: string } | { host: string; port: number } {
  const parsed = new URL(url);
  const socketDir = parsed.searchParams.get('host');
  if (socketDir?.startsWith('/')) return { path: join(socketDir, `.s.PGSQL.${parsed.port || 5432}`) };
  return { host: parsed.hostname, port: Number(parsed.port) };
}

/** Runs a connection attempt as another OS user; resolves 'connected' or the error code it met. */
function connectAsOtherUser(endpoint: ReturnType<typeof endpointOf>): Promise<string> {
  const script = `
    const socket = require('node:net').connect(${JSON.stringify(endpoint)});
    socket.on('connect', () => { process.stdout.write('connected'); socket.destroy(); });
    socket.on('error', (error) => process.stdout.write(error.code ?? String(error)));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { uid: NOBODY, gid: NOBODY, cwd: '/', timeout: 20_000 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout.trim()),
    );
  });
}

describe('embedded postgres access', function () {
  this.timeout(90_000);
  let root: string;
  let embedded: EmbeddedPostgres;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'beckn-ride-test-pglite-access-'));
    embedded = await startEmbeddedPostgres({ dataDir: join(root, 'pglite'), logger });
  });
  after(async () => {
    await embedded?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('serves this process over a socket in a folder only its OS user may enter', async () => {
    const endpoint = endpointOf(embedded.url);
    assert.ok('path' in endpoint, `served at ${embedded.url}, not on a Unix socket`);
    const folder = await stat(join(endpoint.path, '..'));
    assert.equal(folder.mode & 0o777, 0o700);
    assert.equal(folder.uid, process.getuid?.());

    const client = new pg.Client({ connectionString: embedded.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ answer: number }>('SELECT 41 + 1 AS answer');
      assert.equal(rows[0]?.answer, 42);
    } finally {
      await client.end();
    }
  });

  it('refuses a connection from another local user', async function () {
    // Acting as another user needs root; the folder's mode above covers the rest.
    if (process.getuid?.() !== 0) this.skip();
    assert.equal(await connectAsOtherUser(endpointOf(embedded.url)), 'EACCES');
  });
});
