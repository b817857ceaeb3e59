import { nativeEd25519 } from '../../protocol/signing/index.js';
import type { Period } from './period.js';

/**
 * A signed statement of one period's tree: the first `tree_size` records
 * of `period`, in tree order, hash to `root_hash`, and they are all the
 * records started before `covers_before` in it. Kept as one JSON object per
 * line; `signature` is Ed25519 (RFC 8032) by the service's signing key over
 * the UTF-8 text `checkpointText` makes of the other fields.
 */
export interface Checkpoint {
  origin: string;
  period: Period;
  tree_size: number;
  /** Base64 of the 32-byte root. */
  root_hash: string;
  covers_before: string;
  timestamp: string;
  /** Base64 of the raw 32-byte Ed25519 public key that signed it. */
  public_key: string;
  /** Base64 of the 64-byte signature. */
  signature: string;
}

export const checkpointOrigin = 'beckn-ride/message-log';

export type CheckpointBody = Omit<Checkpoint, 'signature' | 'public_key'>;

/**
 * The signed text, one field per line, each line ending in a newline:
 * `<origin>/<period>`, the tree size in decimal, the root hash in base64,
 * `covers-before <RFC 3339>`, `timestamp <RFC 3339>`.
 */
export function checkpointText(body: CheckpointBody): string {
  return `${body.origin}/${body.period}\n${body.tree_size}\n${body.root_hash}\ncovers-before ${body.covers_before}\ntimestamp ${body.timestamp}\n`;
}

export function signCheckpoint(body: CheckpointBody, key: { seed: Uint8Array; publicKey: Uint8Array }): Checkpoint {
  const signature = nativeEd25519.sign(key.seed, Buffer.from(checkpointText(body), 'utf8'));
  return {
    origin: body.origin,
    period: body.period,
    tree_size: body.tree_size,
    root_hash: body.root_hash,
    covers_before: body.covers_before,
    timestamp: body.timestamp,
    public_key: Buffer.from(key.publicKey).toString('base64'),
    signature: Buffer.from(signature).toString('base64'),
  };
}

/** True when `publicKey` (base64, the operator's, never the checkpoint's own claim) signed this checkpoint. */
export function checkpointSignedBy(checkpoint: Checkpoint, publicKey: string): boolean {
  return nativeEd25519.verify(
    new Uint8Array(Buffer.from(publicKey, 'base64')),
    Buffer.from(checkpointText(checkpoint), 'utf8'),
    new Uint8Array(Buffer.from(checkpoint.signature, 'base64')),
  );
}
