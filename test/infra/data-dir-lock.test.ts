import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDataDir } from '../../src/infra/data-dir-lock.js';
import { waitUntil } from '../support/wait-until.js';

function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

/**
 * The data folder lock of the embedded Postgres and of the message log spool:
 * with real processes holding it (running, exiting, exited but unreaped).
 */
describe('data folder lock', function () {
  this.timeout(30_000);
  let root: string;
  const children: ChildProcess[] = [];

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'beckn-ride-test-lock-'));
  });
  after(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  function started(command: string, args: string[]): ChildProcess {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(child);
    return child;
  }

  it('takes a free folder with our pid and removes the lock on release', async () => {
    const dir = join(root, 'free');
    const release = await lockDataDir(dir);
    assert.equal(readFileSync(`${dir}.lock`, 'utf8'), String(process.pid));
    release();
    assert.equal(existsSync(`${dir}.lock`), false);
  });

  it('takes over a lock whose process is gone, at once', async () => {
    const dir = join(root, 'dead');
    writeFileSync(`${dir}.lock`, '999999999');
    const release = await lockDataDir(dir, { waitMs: 0 });
    assert.equal(readFileSync(`${dir}.lock`, 'utf8'), String(process.pid));
    release();
  });

  it('refuses, after the wait, while a running process holds the folder, and leaves its lock alone', async () => {
    const dir = join(root, 'held');
    const holder = started('sleep', ['60']);
    writeFileSync(`${dir}.lock`, String(holder.pid));
    const began = Date.now();
    await assert.rejects(lockDataDir(dir, { waitMs: 300 }), new RegExp(`data folder .*held is in use by process ${holder.pid}`));
    assert.ok(Date.now() - began >= 300, 'it waited for the holder before refusing');
    assert.equal(readFileSync(`${dir}.lock`, 'utf8'), String(holder.pid));
  });

  it('waits for a holder that exits within the wait and then takes the folder', async () => {
    const dir = join(root, 'exiting');
    const holder = started('sleep', ['0.5']);
    writeFileSync(`${dir}.lock`, String(holder.pid));
    const began = Date.now();
    const release = await lockDataDir(dir, { waitMs: 20_000 });
    assert.ok(Date.now() - began >= 300, 'it waited while the holder ran');
    assert.ok([null, 'Z'].includes(processState(holder.pid!)), 'the holder had exited');
    assert.equal(readFileSync(`${dir}.lock`, 'utf8'), String(process.pid));
    release();
  });

  it('takes over a lock whose holder exited but is not reaped yet (a zombie)', async function () {
    if (process.platform !== 'linux') this.skip();
    // The shell starts a short child, then becomes `sleep 60`, which never
    // waits for it: that child stays a zombie until the sleep ends.
    const parent = started('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 60']);
    const pid = await new Promise<number>((resolve) => parent.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    await waitUntil('the short child is a zombie', () => processState(pid) === 'Z', { timeoutMs: 10_000, intervalMs: 20 });
    assert.doesNotThrow(() => process.kill(pid, 0), 'a zombie still answers kill(pid, 0)');
    const dir = join(root, 'zombie');
    writeFileSync(`${dir}.lock`, String(pid));
    const release = await lockDataDir(dir, { waitMs: 0 });
    assert.equal(readFileSync(`${dir}.lock`, 'utf8'), String(process.pid));
    release();
  });
});
