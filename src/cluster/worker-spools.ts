import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The message log spool folder of worker slot `slot`: slot 1 keeps the
 * folder a single process uses (`DATA_DIR/spool`), so going from one worker
 * to several and back leaves nothing behind in it; slot k uses
 * `DATA_DIR/spool-worker-k`. A worker that dies is replaced in the same slot,
 * so its successor reopens (and ships) the spool it left.
 */
export function spoolDirOf(spoolDir: string, slot: number): string {
  return slot === 1 ? spoolDir : `${spoolDir}-worker-${slot}`;
}

/** Spool folders of slots above `workers`: left by a run with more workers, and no worker of this run opens them. */
export function orphanSpoolDirs(spoolDir: string, workers: number): string[] {
  const prefix = `${basename(spoolDir)}-worker-`;
  let names: string[];
  try {
    names = readdirSync(dirname(spoolDir));
  } catch {
    return [];
  }
  return names
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)) && Number(name.slice(prefix.length)) > workers)
    .map((name) => join(dirname(spoolDir), name));
}
