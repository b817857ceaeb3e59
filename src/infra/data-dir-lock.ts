import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** How long a start waits for the holder of a lock to exit before refusing. */
export const DEFAULT_LOCK_WAIT_MS = 5_000;
const LOCK_POLL_MS = 50;

/**
 * Whether `pid` is a running process. A zombie (exited, not yet reaped by its
 * parent or by init) holds nothing: a worker whose primary was SIGKILLed exits
 * and, on hosts whose init reaps late, stays a zombie for a while, which
 * `kill(pid, 0)` alone reports as alive.
 */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ...", comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    // No /proc (not Linux) or the process is gone between the two reads.
    return process.platform !== 'linux';
  }
}

function holderOf(lockFile: string): number | null {
  try {
    const holder = Number(readFileSync(lockFile, 'utf8').trim());
    return Number.isInteger(holder) && holder > 0 ? holder : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Neither PGlite nor the message log spool locks its folder, and two
 * processes writing one folder corrupt it. This takes `<dataDir>.lock`
 * (holding our pid) and replaces a lock whose process is gone. While a
 * running process holds it, it waits up to `waitMs` for that process to exit
 * (a worker orphaned by a killed primary is on its way out when the service
 * restarts) and then refuses. Returns the release function.
 */
export async function lockDataDir(dataDir: string, options: { waitMs?: number } = {}): Promise<() => void> {
  const lockFile = `${dataDir}.lock`;
  const mine = String(process.pid);
  const deadline = Date.now() + (options.waitMs ?? DEFAULT_LOCK_WAIT_MS);
  mkdirSync(dirname(lockFile), { recursive: true });
  for (;;) {
    try {
      writeFileSync(lockFile, mine, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = holderOf(lockFile);
    if (holder === null || !isRunning(holder)) {
      writeFileSync(lockFile, mine);
      break;
    }
    if (Date.now() >= deadline) throw new Error(`data folder ${dataDir} is in use by process ${holder}`);
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
  return () => {
    try {
      if (readFileSync(lockFile, 'utf8').trim() === mine) unlinkSync(lockFile);
    } catch {
      // Already gone: nothing to release.
    }
  };
}
