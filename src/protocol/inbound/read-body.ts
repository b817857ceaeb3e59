import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface ReadBody {
  raw: Buffer;
  /** More bytes came than `maxBytes`; `raw` holds the first `maxBytes`. */
  truncated: boolean;
  /** Bytes of the whole body as received, kept or not. */
  size: number;
  /** SHA-256 (hex) of the whole body as received, kept or not. */
  sha256: string;
}

/**
 * Reads the exact request bytes, keeping at most `maxBytes`. The rest of an
 * oversized body is read, hashed and dropped so the NACK can still be
 * delivered and the record still names the whole body; past
 * `discardLimitBytes` the connection is cut instead.
 */
export function readBody(req: IncomingMessage, maxBytes: number, discardLimitBytes = maxBytes * 8): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const hash = createHash('sha256');
    let kept = 0;
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > discardLimitBytes) {
        req.destroy();
        return;
      }
      hash.update(chunk);
      if (kept < maxBytes) {
        const part = chunk.subarray(0, maxBytes - kept);
        chunks.push(part);
        kept += part.length;
      }
    });
    req.once('end', () => resolve({ raw: Buffer.concat(chunks, kept), truncated: seen > maxBytes, size: seen, sha256: hash.digest('hex') }));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('request body was aborted'));
    });
  });
}
