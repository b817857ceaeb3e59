import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { decodePrivateKey } from './signing-keys.js';
import { encodeBase64 } from './strict-base64.js';
import { isKeyIdPart } from './key-id.js';

/**
 * One signing key of the keys file. `registered_at` is set once the registry
 * holds the key for every role of the service: only then does the service
 * sign with it.
 */
export interface KeyFileEntry {
  unique_key_id: string;
  /** Base64 of the 32-byte Ed25519 seed (or the 64-byte seed+public form). */
  signing_private_key: string;
  valid_from: string;
  valid_until: string;
  registered_at: string | null;
}

export interface KeysFile {
  keys: KeyFileEntry[];
}

export class KeysFileError extends Error {
  override readonly name = 'KeysFileError';
}

const isInstant = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value));

/** Checks a keys file's content; throws KeysFileError naming the first problem. */
export function parseKeysFile(text: string): KeysFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new KeysFileError(`keys file is not JSON: ${(error as Error).message}`);
  }
  const keys = (raw as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new KeysFileError('keys file must be an object with a "keys" array');
  const seen = new Set<string>();
  return {
    keys: keys.map((item: unknown, index) => {
      const entry = item as Partial<KeyFileEntry> | null;
      const where = `keys[${index}]`;
      if (typeof entry?.unique_key_id !== 'string' || !isKeyIdPart(entry.unique_key_id)) throw new KeysFileError(`${where}.unique_key_id is not a key id`);
      if (seen.has(entry.unique_key_id)) throw new KeysFileError(`${where}.unique_key_id ${entry.unique_key_id} is listed twice`);
      seen.add(entry.unique_key_id);
      if (typeof entry.signing_private_key !== 'string') throw new KeysFileError(`${where}.signing_private_key is missing`);
      try {
        decodePrivateKey(entry.signing_private_key);
      } catch (error) {
        throw new KeysFileError(`${where}: ${(error as Error).message}`);
      }
      if (!isInstant(entry.valid_from) || !isInstant(entry.valid_until)) throw new KeysFileError(`${where} needs valid_from and valid_until instants`);
      if (entry.registered_at !== null && !isInstant(entry.registered_at)) throw new KeysFileError(`${where}.registered_at must be an instant or null`);
      return {
        unique_key_id: entry.unique_key_id,
        signing_private_key: entry.signing_private_key,
        valid_from: entry.valid_from,
        valid_until: entry.valid_until,
        registered_at: entry.registered_at,
      };
    }),
  };
}

/** The file's keys, or null when there is no file yet. */
export async function readKeysFile(path: string): Promise<KeysFile | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return parseKeysFile(text);
}

/** Replaces the file at once (write to a sibling, then rename), readable by its owner only. */
export async function writeKeysFile(path: string, file: KeysFile): Promise<void> {
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

/**
 * The key to sign with at `now`: of the registered keys inside their
 * validity, the one registered last. Null when there is none.
 */
export function activeKey(file: KeysFile, now: Date): KeyFileEntry | null {
  const time = now.getTime();
  let best: KeyFileEntry | null = null;
  for (const entry of file.keys) {
    if (entry.registered_at === null) continue;
    if (Date.parse(entry.valid_from) > time || Date.parse(entry.valid_until) <= time) continue;
    if (best === null || Date.parse(entry.registered_at) >= Date.parse(best.registered_at as string)) best = entry;
  }
  return best;
}

/** The raw 32-byte public key of an entry, base64 (its registry signing_public_key). */
export function entryPublicKey(entry: KeyFileEntry): string {
  return encodeBase64(decodePrivateKey(entry.signing_private_key).publicKey);
}
