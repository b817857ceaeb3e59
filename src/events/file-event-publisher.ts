import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BusinessEvent } from './event-catalog.js';
import { SerialQueue, type EventPublisher } from './event-publisher.js';

/**
 * The embedded profile's event stream: one JSON object per line appended to
 * `file` (its folder created if missing), fsync'd before `publish` resolves.
 * A batch that fails midway is cut off the file again, so the file never
 * keeps half a line; the relay then publishes the batch again. One process
 * appends to the file (the data folder is locked per process).
 */
export async function openFileEventPublisher(file: string): Promise<EventPublisher> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const handle: FileHandle = await open(file, 'a');
  let size: number;
  try {
    size = (await handle.stat()).size;
    // A new file is only durable once its folder entry is.
    if (size === 0) await syncDir(dir);
  } catch (error) {
    await handle.close();
    throw error;
  }
  const queue = new SerialQueue();
  let closed = false;

  return {
    target: `file ${file}`,
    async connect() {
      if (closed) throw new Error(`business event file ${file} is closed`);
    },
    publish(events: BusinessEvent[]) {
      return queue.run(async () => {
        if (closed) throw new Error(`business event file ${file} is closed`);
        if (events.length === 0) return;
        const data = Buffer.from(events.map((event) => `${JSON.stringify(event)}\n`).join(''), 'utf8');
        try {
          await handle.appendFile(data);
          await handle.sync();
        } catch (error) {
          await handle.truncate(size).catch(() => undefined);
          throw error;
        }
        size += data.length;
      });
    },
    close() {
      // After the batches already queued.
      return queue.run(async () => {
        if (closed) return;
        closed = true;
        await handle.close();
      });
    },
  };
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
