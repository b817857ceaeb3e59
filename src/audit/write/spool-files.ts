import { open, readdir, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** A place in the spool: byte `offset` of segment number `segment`. */
export interface SpoolPosition {
  segment: number;
  offset: number;
}

export interface SegmentFile {
  segment: number;
  size: number;
}

const SEGMENT_FILE = /^segment-(\d{12})\.jsonl$/;
const CHECKPOINT_FILE = 'checkpoint.json';
const NEWLINE = 0x0a;
const TAIL_CHUNK_BYTES = 64 * 1024;

export function segmentPath(dir: string, segment: number): string {
  return join(dir, `segment-${String(segment).padStart(12, '0')}.jsonl`);
}

/** The segment files in `dir`, oldest first. */
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  const found: SegmentFile[] = [];
  for (const name of await readdir(dir)) {
    const match = SEGMENT_FILE.exec(name);
    if (!match?.[1]) continue;
    const segment = Number(match[1]);
    found.push({ segment, size: (await stat(segmentPath(dir, segment))).size });
  }
  return found.sort((a, b) => a.segment - b.segment);
}

/** Makes a created, renamed or deleted entry of `dir` survive a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The position shipped so far; null when there is none; throws when the file is unreadable. */
export async function readCheckpoint(dir: string): Promise<SpoolPosition | null> {
  let text: string;
  try {
    text = await readFile(join(dir, CHECKPOINT_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const { segment, offset } = (parsed ?? {}) as Partial<Record<keyof SpoolPosition, unknown>>;
  if (typeof segment === 'number' && typeof offset === 'number' && Number.isSafeInteger(segment) && Number.isSafeInteger(offset) && segment >= 0 && offset >= 0) {
    return { segment, offset };
  }
  throw new Error(`unreadable spool checkpoint: ${JSON.stringify(text.slice(0, 100))}`);
}

/**
 * Replaces the checkpoint atomically (write a temporary file, sync, rename).
 * The directory is not synced: a rename lost in a crash leaves an older
 * checkpoint, which only ships some records again; the sink dedupes by id.
 */
export async function writeCheckpoint(dir: string, position: SpoolPosition): Promise<void> {
  const target = join(dir, CHECKPOINT_FILE);
  const temporary = `${target}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(position));
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temporary, target);
}

export async function removeSegment(dir: string, segment: number): Promise<void> {
  await unlink(segmentPath(dir, segment)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/**
 * Cuts a segment back to its last complete line, where a crash in the middle
 * of a write leaves a partial one. Such bytes were never acknowledged to a
 * caller: `append` resolves only after the whole batch is synced.
 * Returns the number of bytes removed.
 */
export async function truncateTornTail(path: string, size: number): Promise<number> {
  if (size === 0) return 0;
  const handle = await open(path, 'r+');
  try {
    let end = size;
    let keep = 0;
    while (end > 0) {
      const start = Math.max(0, end - TAIL_CHUNK_BYTES);
      const chunk = Buffer.alloc(end - start);
      await readFully(handle, chunk, start);
      const newline = chunk.lastIndexOf(NEWLINE);
      if (newline >= 0) {
        keep = start + newline + 1;
        break;
      }
      end = start;
    }
    if (keep === size) return 0;
    await handle.truncate(keep);
    await handle.datasync();
    return size - keep;
  } finally {
    await handle.close();
  }
}

/** Counts the lines between byte `from` and `to` of a segment. */
export async function countLines(path: string, from: number, to: number): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(TAIL_CHUNK_BYTES * 16);
    let lines = 0;
    for (let at = from; at < to; at += chunk.length) {
      const view = chunk.subarray(0, Math.min(chunk.length, to - at));
      await readFully(handle, view, at);
      for (let i = view.indexOf(NEWLINE); i >= 0; i = view.indexOf(NEWLINE, i + 1)) lines += 1;
    }
    return lines;
  } finally {
    await handle.close();
  }
}

/** Fills `buffer` from `position`; a segment never shrinks under its reader, so a short read is an error. */
export async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of spool segment at byte ${position + done}`);
    done += bytesRead;
  }
}

/** Writes all of `buffer` at `position` (a single write call may write less). */
export async function writeFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, done, buffer.length - done, position + done);
    done += bytesWritten;
  }
}
