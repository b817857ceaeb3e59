import type { Logger } from '../infra/logging/logger.js';
import type { BecknRole } from './protocol.js';
import { activeKey, createSigner, entryPublicKey, readKeysFile, type KeysFile, type Signer } from './signing/index.js';

/** The key outbound messages are signed with now. */
export interface CurrentKey {
  uniqueKeyId: string;
  privateKey: string;
  publicKey: string;
}

export interface KeyRingOptions {
  /** The keys file (KEYS_FILE); null: the configured key only. */
  path: string | null;
  /** The configured key (SIGNING_PRIVATE_KEY as UNIQUE_KEY_ID), used while the file names no registered key. */
  fallback: { uniqueKeyId: string; privateKey: string; publicKey: string };
  logger: Logger;
  clock?: () => Date;
}

/**
 * Which key the service signs with: the newest registered key of the keys
 * file that is inside its validity, or the configured key. `refresh()`
 * re-reads the file; `follow()` re-reads it every `intervalMs` and swaps the
 * signers of every role in place (the delivery worker reads them per
 * attempt), so a rotation takes effect without a restart. A file that cannot
 * be read or parsed keeps the current key and is logged.
 */
export function createKeyRing(options: KeyRingOptions) {
  const { path, fallback, logger } = options;
  const clock = options.clock ?? (() => new Date());
  let current: CurrentKey = { ...fallback };
  const listeners = new Set<(key: CurrentKey) => void>();

  const choose = (file: KeysFile | null): CurrentKey => {
    const entry = file === null ? null : activeKey(file, clock());
    if (entry === null) return { ...fallback };
    return { uniqueKeyId: entry.unique_key_id, privateKey: entry.signing_private_key, publicKey: entryPublicKey(entry) };
  };

  const refresh = async (): Promise<CurrentKey> => {
    if (path === null) return current;
    let next: CurrentKey;
    try {
      next = choose(await readKeysFile(path));
    } catch (error) {
      logger.warn({ path, err: (error as Error).message }, 'keys file unreadable; signing key unchanged');
      return current;
    }
    if (next.uniqueKeyId !== current.uniqueKeyId || next.publicKey !== current.publicKey) {
      logger.info({ from: current.uniqueKeyId, to: next.uniqueKeyId }, 'signing key switched');
      current = next;
      for (const listener of listeners) listener(current);
    }
    return current;
  };

  let timer: NodeJS.Timeout | null = null;
  return {
    current: (): CurrentKey => current,
    refresh,
    /** Keeps `signers` (one per role, replaced in place) on the current key. */
    bindSigners(signers: Partial<Record<BecknRole, Signer>>, subscriberIds: Record<BecknRole, string>, ttlSeconds: number): void {
      const apply = (key: CurrentKey) => {
        for (const role of Object.keys(signers) as BecknRole[]) {
          signers[role] = createSigner({ subscriberId: subscriberIds[role], uniqueKeyId: key.uniqueKeyId, privateKey: key.privateKey }, { ttlSeconds });
        }
      };
      apply(current);
      listeners.add(apply);
    },
    follow(intervalMs = 1_000): void {
      if (path === null || timer !== null) return;
      timer = setInterval(() => void refresh(), intervalMs);
      timer.unref();
    },
    stop(): void {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}

export type KeyRing = ReturnType<typeof createKeyRing>;
