import { createReadStream } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { createGroupCommit } from '../../infra/group-commit/index.js';
import type { MessageLog, MessageRecord } from './message-record.js';

/**
 * The message log as an append-only JSON-lines file. Appends arriving while a
 * write is in progress are written together and fsynced once (group commit),
 * so `append` resolves only when its record is on disk.
 */
export async function openFileMessageLog(path: string): Promise<MessageLog> {
  await mkdir(dirname(path), { recursive: true });
  const file: FileHandle = await open(path, 'a', 0o600);
  const lines = createGroupCommit<string>(async (batch) => {
    await file.write(batch.join(''));
    await file.datasync();
  });
  let closed = false;

  return {
    append(record) {
      if (closed) return Promise.reject(new Error('message log is closed'));
      return lines.add(`${JSON.stringify(record)}\n`);
    },
    flush() {
      return lines.idle();
    },
    async close() {
      if (closed) return;
      closed = true;
      await lines.idle();
      await file.close();
    },
  };
}

/**
 * Streams the records of a message log file in the order they were written,
 * closing the file when the consumer stops early. A missing file reads as
 * empty. A line that is not JSON (a write torn by a crash) is passed to
 * `onBadLine` and skipped; without one it fails the read.
 */
export async function* readFileMessageLog(path: string, onBadLine?: (lineNumber: number) => void): AsyncGenerator<MessageRecord> {
  const input = createReadStream(path, 'utf8');
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber += 1;
      if (line.trim() === '') continue;
      let record: MessageRecord;
      try {
        record = JSON.parse(line) as MessageRecord;
      } catch {
        if (!onBadLine) throw new Error(`${path}:${lineNumber} is not a JSON record`);
        onBadLine(lineNumber);
        continue;
      }
      yield record;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  } finally {
    lines.close();
    input.destroy();
  }
}
