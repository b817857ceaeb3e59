import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Neither PGlite nor the message log spool locks its folder, and two
 * processes writing one folder corrupt it. This takes `<dataDir>.lock`
 * (holding our pid), replaces a lock whose process is gone, and refuses while
 * a live process holds it. Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const lockFile = `${dataDir}.lock`;
  const mine = String(process.pid);
  mkdirSync(dirname(lockFile), { recursive: true });
  try {
    writeFileSync(lockFile, mine, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number(readFileSync(lockFile, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new Error(`data folder ${dataDir} is in use by process ${holder}`);
    }
    writeFileSync(lockFile, mine);
  }
  return () => {
    try {
      if (readFileSync(lockFile, 'utf8').trim() === mine) unlinkSync(lockFile);
    } catch {
      // Already gone: nothing to release.
    }
  };
}
