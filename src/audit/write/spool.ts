import { open, type FileHandle } from 'node:fs/promises';
import { createGroupCommit, type GroupCommit } from '../../infra/group-commit/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import {
  readFully,
  removeSegment,
  segmentPath,
  syncDirectory,
  writeCheckpoint,
  writeFully,
  type SegmentFile,
  type SpoolPosition,
} from './spool-files.js';
import { recoverSpool } from './spool-recovery.js';

export interface SpoolOptions {
  dir: string;
  /** Most bytes of records not yet shipped; `append` refuses beyond. */
  maxBytes: number;
  /** A segment takes no more appends past this size, so shipped ones can be deleted. */
  segmentBytes: number;
  logger: Logger;
}

/** Consecutive lines of one segment, read for shipping. */
export interface SpoolBatch {
  /** Each line without its newline. */
  lines: Buffer[];
  /** The position just after the last line: the checkpoint once they are shipped. */
  end: SpoolPosition;
  bytes: number;
}

export interface SpoolDepth {
  records: number;
  bytes: number;
}

export class SpoolFullError extends Error {
  constructor(depth: SpoolDepth, maxBytes: number) {
    super(`message log spool is full: ${depth.records} records (${depth.bytes} bytes) wait for Kafka, the limit is ${maxBytes} bytes`);
    this.name = 'SpoolFullError';
  }
}

const NEWLINE = 0x0a;

/** The first `count` lines of `batch`, as a batch of their own (its end moves back by the lines left out). */
export function firstLines(batch: SpoolBatch, count: number): SpoolBatch {
  const lines = batch.lines.slice(0, count);
  const bytes = lines.reduce((sum, line) => sum + line.length + 1, 0);
  return { lines, end: { segment: batch.end.segment, offset: batch.end.offset - (batch.bytes - bytes) }, bytes };
}

interface ActiveSegment {
  file: SegmentFile;
  handle: FileHandle;
}

function before(a: SpoolPosition, b: SpoolPosition): boolean {
  return a.segment < b.segment || (a.segment === b.segment && a.offset < b.offset);
}

/**
 * The local durable queue between `append` and Kafka: JSON lines in numbered
 * segment files, written by group commit, read back in order by one shipper,
 * and a checkpoint of what has been shipped. Only records that are on disk
 * are handed out for shipping.
 */
export class Spool {
  private readonly writes: GroupCommit<Buffer>;
  /** The segment taking appends, listed for the reader from the moment it is numbered. */
  private writing: SegmentFile | null = null;
  private active: ActiveSegment | null = null;
  private reader: { segment: number; handle: FileHandle } | null = null;
  private pending: SpoolDepth = { records: 0, bytes: 0 };
  private refused = false;
  private closed = false;
  private appended: () => void = () => undefined;

  private constructor(
    private readonly options: SpoolOptions,
    private readonly segments: SegmentFile[],
    private position: SpoolPosition,
    private nextSegment: number,
    private readonly stored: SpoolDepth,
  ) {
    this.writes = createGroupCommit((lines) => this.commit(lines));
  }

  static async open(options: SpoolOptions): Promise<Spool> {
    const recovered = await recoverSpool(options.dir, options.logger);
    return new Spool(options, recovered.segments, recovered.position, recovered.nextSegment, {
      records: recovered.records,
      bytes: recovered.bytes,
    });
  }

  /** Called after every durable write, so the shipper need not poll. */
  onAppended(listener: () => void): void {
    this.appended = listener;
  }

  /** Resolves once `line` (ending in a newline) is on disk; rejects with SpoolFullError when it does not fit. */
  append(line: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new Error('message log spool is closed'));
    const depth = this.depth();
    if (depth.bytes + line.length > this.options.maxBytes) {
      this.refused = true;
      return Promise.reject(new SpoolFullError(depth, this.options.maxBytes));
    }
    this.pending.records += 1;
    this.pending.bytes += line.length;
    return this.writes.add(line);
  }

  /** Resolves once every append so far is on disk or has failed. */
  idle(): Promise<void> {
    return this.writes.idle();
  }

  /** Records appended (being written or on disk) and not yet shipped. */
  depth(): SpoolDepth {
    return { records: this.stored.records + this.pending.records, bytes: this.stored.bytes + this.pending.bytes };
  }

  /** True from a refused append until shipping frees space. */
  isFull(): boolean {
    return this.refused;
  }

  private async commit(lines: Buffer[]): Promise<void> {
    const data = Buffer.concat(lines);
    this.pending.records -= lines.length;
    this.pending.bytes -= data.length;
    const active = this.active && this.active.file.size < this.options.segmentBytes ? this.active : await this.rotate();
    try {
      await writeFully(active.handle, data, active.file.size);
      await active.handle.datasync();
    } catch (error) {
      await this.abandon(active);
      throw error;
    }
    active.file.size += data.length;
    this.stored.records += lines.length;
    this.stored.bytes += data.length;
    this.appended();
  }

  private async rotate(): Promise<ActiveSegment> {
    const previous = this.active;
    this.active = null;
    // Numbered, listed and marked as written in one step, so the reader never retires it or skips past it.
    const file: SegmentFile = { segment: this.nextSegment, size: 0 };
    this.nextSegment += 1;
    this.segments.push(file);
    this.writing = file;
    try {
      await previous?.handle.close();
      const handle = await open(segmentPath(this.options.dir, file.segment), 'wx', 0o600);
      await syncDirectory(this.options.dir).catch(async (error: unknown) => {
        await handle.close();
        throw error;
      });
      this.active = { file, handle };
      return this.active;
    } catch (error) {
      // Left empty in the list, the reader retires it like any shipped segment.
      if (this.writing === file) this.writing = null;
      throw error;
    }
  }

  /**
   * After a failed write or sync the file's tail is unknown (a failed fsync
   * may even have dropped dirty pages), so it is cut back to the last synced
   * size and takes no more appends; the next batch starts a new segment.
   */
  private async abandon(active: ActiveSegment): Promise<void> {
    if (this.active === active) this.active = null;
    if (this.writing === active.file) this.writing = null;
    await active.handle.truncate(active.file.size).catch((error: unknown) => {
      this.options.logger.error({ err: error, segment: active.file.segment }, 'message log spool: could not cut a failed write back');
    });
    await active.handle.close().catch(() => undefined);
  }

  /**
   * The next records to ship, from the last acknowledged position (or from
   * `after`, the end of a batch read before, so the shipper can read ahead
   * while that one is in flight): at most `maxRecords`, and at most
   * `maxBytes` unless a single line is larger. Null when everything on disk
   * has been read.
   */
  async readBatch(maxRecords: number, maxBytes: number, after?: SpoolPosition): Promise<SpoolBatch | null> {
    this.assertOpen();
    const ahead = after !== undefined && before(this.position, after);
    const file = ahead ? this.segmentHolding(after) : await this.currentSegment();
    if (!file) return null;
    const from: SpoolPosition = ahead && file.segment === after.segment ? after : { segment: file.segment, offset: ahead ? 0 : this.position.offset };
    const handle = await this.readerFor(file.segment);
    const available = file.size - from.offset;
    let chunk = Buffer.allocUnsafe(Math.min(available, maxBytes));
    await readFully(handle, chunk, from.offset);
    // Lines end in a newline up to the synced size; a line longer than maxBytes is read whole.
    while (chunk.indexOf(NEWLINE) < 0) {
      // Never spin: bytes up to the synced size with no newline are a damaged segment, not a line still being written.
      if (chunk.length >= available) throw new Error(`message log spool: segment ${file.segment} has ${available} bytes after offset ${from.offset} and no line end`);
      const longer = Buffer.allocUnsafe(Math.min(available, chunk.length * 2));
      chunk.copy(longer);
      await readFully(handle, longer.subarray(chunk.length), from.offset + chunk.length);
      chunk = longer;
    }
    const lines: Buffer[] = [];
    let consumed = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline >= 0 && lines.length < maxRecords; newline = chunk.indexOf(NEWLINE, consumed)) {
      lines.push(chunk.subarray(consumed, newline));
      consumed = newline + 1;
    }
    return { lines, end: { segment: file.segment, offset: from.offset + consumed }, bytes: consumed };
  }

  /**
   * The segment holding the next line after `after`, a position past the
   * checkpoint (the end of a batch still in flight); retires nothing, since
   * nothing before it is acknowledged yet.
   */
  private segmentHolding(after: SpoolPosition): SegmentFile | null {
    for (const file of this.segments) {
      if (file.segment < after.segment) continue;
      // A later segment may still be empty: just rotated to (its first write not yet synced) or left empty by a failed write.
      const start = file.segment === after.segment ? after.offset : 0;
      if (start < file.size) return file;
      if (file === this.writing) return null;
    }
    return null;
  }

  /** The segment holding the next unshipped line; retires fully shipped sealed segments on the way. */
  private async currentSegment(): Promise<SegmentFile | null> {
    for (;;) {
      const file = this.segments[0];
      if (!file) return null;
      if (file.segment > this.position.segment) this.position = { segment: file.segment, offset: 0 };
      if (this.position.offset < file.size) return file;
      if (file === this.writing) return null;
      await this.retire(file);
    }
  }

  /** Checkpoint past a fully shipped segment first, then delete it: a crash in between leaves a file recovery deletes. */
  private async retire(file: SegmentFile): Promise<void> {
    const next = this.segments[1]?.segment ?? this.nextSegment;
    this.position = { segment: next, offset: 0 };
    await writeCheckpoint(this.options.dir, this.position);
    if (this.reader?.segment === file.segment) {
      await this.reader.handle.close();
      this.reader = null;
    }
    await removeSegment(this.options.dir, file.segment);
    this.segments.splice(this.segments.indexOf(file), 1);
  }

  private async readerFor(segment: number): Promise<FileHandle> {
    if (this.reader?.segment !== segment) {
      await this.reader?.handle.close();
      this.reader = null;
      this.reader = { segment, handle: await open(segmentPath(this.options.dir, segment), 'r') };
    }
    return this.reader.handle;
  }

  /**
   * Persists the checkpoint past `batch`, then counts it as shipped, so the
   * depth never claims more than a restart would find; safe to call again
   * after a failure.
   */
  async acknowledge(batch: SpoolBatch): Promise<void> {
    this.assertOpen();
    if (!before(this.position, batch.end)) return;
    await writeCheckpoint(this.options.dir, batch.end);
    this.position = batch.end;
    this.stored.records -= batch.lines.length;
    this.stored.bytes -= batch.bytes;
    this.refused = false;
    // A batch read ahead may start in a later segment: the ones before it are shipped whole.
    for (let file = this.segments[0]; file && file.segment < this.position.segment; file = this.segments[0]) {
      if (this.reader?.segment === file.segment) {
        await this.reader.handle.close();
        this.reader = null;
      }
      await removeSegment(this.options.dir, file.segment);
      this.segments.shift();
    }
  }

  /** Waits for pending writes, then deletes segments left fully shipped so a drained spool leaves no files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes.idle();
    const active = this.active;
    this.active = null;
    this.writing = null;
    await active?.handle.close();
    await this.currentSegment();
    await this.reader?.handle.close();
    this.reader = null;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('message log spool is closed');
  }
}
