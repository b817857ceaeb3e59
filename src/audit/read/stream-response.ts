import type { Response } from 'express';

/** Gathers small lines into writes of about this size. */
const chunkBytes = 64 * 1024;

/** Resolves when the response can take more, or when the client went away. */
function writable(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes text pieces to the response as they come, waiting for `drain`
 * whenever the socket is full, so at most a chunk or two is held in memory
 * however large the export. When the client disconnects the loop stops, and
 * leaving the for-await closes the source (and the store's query with it).
 */
export async function streamText(res: Response, pieces: AsyncIterable<string>): Promise<void> {
  // Headers go out before the first record: the client sees the export start, and the body is chunked whatever its size.
  res.flushHeaders();
  let buffer = '';
  for await (const piece of pieces) {
    if (res.destroyed) return;
    buffer += piece;
    if (buffer.length < chunkBytes) continue;
    const full = !res.write(buffer);
    buffer = '';
    if (full && !res.destroyed) await writable(res);
  }
  if (res.destroyed) return;
  res.end(buffer);
}
