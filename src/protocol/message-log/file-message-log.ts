import { createReadStream } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { MessageLog, MessageRecord } from './message-record.js';

interface Pending {
  line: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The message log as an append-only JSON-lines file. Appends arriving while a
 * write is in progress are written together and fsynced once (group commit),
 * so `append` resolves only when its record is on disk.
 */
export async function openFileMessageLog(path: string): Promise<MessageLog> {
  await mkdir(dirname(path), { recursive: true });
  const file: FileHandle = await open(path, 'a', 0o600);
  let queue: Pending[] = [];
  let writing: Promise<void> | null = null;
  let closed = false;

  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        await file.write(batch.map((entry) => entry.line).join(''));
        await file.datasync();
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    writing = null;
  };

  return {
    append(record) {
      if (closed) return Promise.reject(new Error('message log is closed'));
      return new Promise<void>((resolve, reject) => {
        queue.push({ line: `${JSON.stringify(record)}\n`, resolve, reject });
        writing ??= drain();
      });
    },
    async flush() {
      while (writing) await writing;
    },
    async close() {
      if (closed) return;
      closed = true;
      while (writing) await writing;
      await file.close();
    },
  };
}

/** Reads the records of a message log file in the order they were written. */
export async function* readFileMessageLog(path: string): AsyncGenerator<MessageRecord> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() !== '') yield JSON.parse(line) as MessageRecord;
  }
}
