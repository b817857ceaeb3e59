import { mkdir, open, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Checkpoint } from './checkpoint.js';
import { isPeriod, type Period } from './period.js';

/**
 * Checkpoints kept as files the operator owns: `<dir>/<period>.jsonl`, one
 * checkpoint per line in the order published. Each line is flushed to disk
 * before the next is written.
 */
export async function appendCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = await open(join(dir, `${checkpoint.period}.jsonl`), 'a', 0o644);
  try {
    await file.write(`${JSON.stringify(checkpoint)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** A period's checkpoints in the order published; none when the file does not exist. Lines that are not JSON are skipped. */
export async function readCheckpoints(dir: string, period: Period): Promise<Checkpoint[]> {
  let text: string;
  try {
    text = await readFile(join(dir, `${period}.jsonl`), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return parseCheckpointLines(text);
}

export function parseCheckpointLines(text: string): Checkpoint[] {
  const checkpoints: Checkpoint[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      checkpoints.push(JSON.parse(line) as Checkpoint);
    } catch {
      // A torn last line (a crash mid-write) is not a checkpoint.
    }
  }
  return checkpoints;
}

/** The periods with a checkpoint file in `dir`, oldest first. */
export async function checkpointPeriods(dir: string): Promise<Period[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => name.endsWith('.jsonl') && isPeriod(name.slice(0, -'.jsonl'.length)))
    .map((name) => name.slice(0, -'.jsonl'.length))
    .sort();
}
