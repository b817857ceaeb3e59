import { timingSafeEqual } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { Logger } from '../src/infra/logging/logger.js';
import { encryptChallenge, newChallenge } from '../src/protocol/signing/index.js';
import type { RegistryRecord, SubscriberStore } from './subscriber-store.js';

/**
 * How the latest on_subscribe challenge of a key ended:
 * SENT (awaiting the answer), ANSWERED (the key became SUBSCRIBED),
 * WRONG_ANSWER, UNREACHABLE (no 2xx JSON answer in time), NOT_SENT (the
 * record has no encr_public_key, or the registry has no X25519 key).
 */
export type ChallengeState = 'SENT' | 'ANSWERED' | 'WRONG_ANSWER' | 'UNREACHABLE' | 'NOT_SENT';

export interface ChallengeOutcome {
  state: ChallengeState;
  detail: string | null;
  sentAt: string;
  settledAt: string | null;
}

export interface ChallengerOptions {
  sequelize: Sequelize;
  store: SubscriberStore;
  logger: Logger;
  clock: () => Date;
  /** The registry's X25519 private key (raw or PKCS#8, base64); null: no challenge can be sent. */
  encryptionPrivateKey: string | null;
  /** Bound on the whole on_subscribe exchange. */
  timeoutMs: number;
}

const table = 'beckn_registry.subscribe_challenge';
const maxAnswerBytes = 4_096;

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** `{subscriber_url}/on_subscribe`, whether or not the URL ends with a slash. */
export function onSubscribeUrl(subscriberUrl: string): string {
  return `${subscriberUrl.replace(/\/+$/, '')}/on_subscribe`;
}

/**
 * The registry side of the subscribe handshake: a random challenge,
 * encrypted to the subscriber's encr_public_key (X25519 + AES-256-ECB, see
 * encryptChallenge), POSTed to `{subscriber_url}/on_subscribe` as
 * `{subscriber_id, challenge}`; a `{answer}` equal to the challenge makes the
 * key SUBSCRIBED, provided it is still the INITIATED record with the same
 * keys that was challenged. Runs after the subscribe request was answered.
 */
export function createChallenger(options: ChallengerOptions) {
  const { sequelize, store, logger, clock } = options;
  const running = new Set<Promise<void>>();

  const record = async (record: RegistryRecord, state: ChallengeState, detail: string | null, sentAt: Date): Promise<void> => {
    const settledAt = state === 'SENT' ? null : clock().toISOString();
    await sequelize.query(
      `INSERT INTO ${table} (subscriber_id, unique_key_id, state, detail, sent_at, settled_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (subscriber_id, unique_key_id) DO UPDATE SET
         state = EXCLUDED.state, detail = EXCLUDED.detail, sent_at = EXCLUDED.sent_at, settled_at = EXCLUDED.settled_at
       WHERE ${table}.sent_at <= EXCLUDED.sent_at`,
      { bind: [record.subscriberId, record.uniqueKeyId, state, detail, sentAt.toISOString(), settledAt] },
    );
  };

  /** POSTs the challenge and returns the answer, or throws with what went wrong. */
  const ask = async (target: RegistryRecord, encrypted: string): Promise<unknown> => {
    const response = await fetch(onSubscribeUrl(target.subscriberUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ subscriber_id: target.subscriberId, challenge: encrypted }),
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await response.text();
    if (response.status < 200 || response.status >= 300) throw new Error(`on_subscribe answered HTTP ${response.status}`);
    if (text.length > maxAnswerBytes) throw new Error('on_subscribe answer is too large');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error('on_subscribe answer is not JSON');
    }
  };

  const run = async (target: RegistryRecord): Promise<void> => {
    const sentAt = clock();
    if (options.encryptionPrivateKey === null || target.encrPublicKey === null) {
      const why = target.encrPublicKey === null ? 'the record has no encr_public_key' : 'the registry has no X25519 key';
      await record(target, 'NOT_SENT', why, sentAt);
      return;
    }
    const challenge = newChallenge();
    let encrypted: string;
    try {
      encrypted = encryptChallenge(challenge, options.encryptionPrivateKey, target.encrPublicKey);
    } catch (error) {
      await record(target, 'NOT_SENT', `encr_public_key: ${(error as Error).message}`, sentAt);
      return;
    }
    await record(target, 'SENT', null, sentAt);
    let answer: unknown;
    try {
      answer = await ask(target, encrypted);
    } catch (error) {
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      const detail = typeof cause === 'string' ? `${(error as Error).message} (${cause})` : (error as Error).message;
      await record(target, 'UNREACHABLE', detail, sentAt);
      logger.info({ subscriberId: target.subscriberId, uniqueKeyId: target.uniqueKeyId, detail }, 'registry on_subscribe unreachable');
      return;
    }
    const given = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>).answer : undefined;
    if (typeof given !== 'string' || !sameText(given, challenge)) {
      await record(target, 'WRONG_ANSWER', typeof given === 'string' ? 'the answer is not the challenge' : 'no answer string', sentAt);
      logger.info({ subscriberId: target.subscriberId, uniqueKeyId: target.uniqueKeyId }, 'registry on_subscribe answered wrong');
      return;
    }
    const subscribed = await store.withSubscriberLock(target.subscriberId, async (transaction) => {
      const current = await store.find(target.subscriberId, target.uniqueKeyId, transaction);
      const unchanged =
        current !== null &&
        current.status === 'INITIATED' &&
        current.signingPublicKey === target.signingPublicKey &&
        current.encrPublicKey === target.encrPublicKey &&
        current.subscriberUrl === target.subscriberUrl;
      if (!unchanged) return false;
      await store.setStatus(target.subscriberId, target.uniqueKeyId, 'SUBSCRIBED', clock(), transaction);
      return true;
    });
    await record(target, subscribed ? 'ANSWERED' : 'WRONG_ANSWER', subscribed ? null : 'the record changed while it was challenged', sentAt);
    logger.info({ subscriberId: target.subscriberId, uniqueKeyId: target.uniqueKeyId, subscribed }, 'registry on_subscribe answered');
  };

  return {
    /** Challenges the record in the background; the outcome is in `outcome()`. */
    start(target: RegistryRecord): void {
      const task = run(target)
        .catch((error: unknown) => logger.error({ err: error, subscriberId: target.subscriberId }, 'registry on_subscribe challenge failed'))
        .finally(() => running.delete(task));
      running.add(task);
    },

    /** Resolves once every challenge started so far has ended. */
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running]);
    },

    async outcome(subscriberId: string, uniqueKeyId: string): Promise<ChallengeOutcome | null> {
      const [row] = await sequelize.query<{ state: ChallengeState; detail: string | null; sent_at: Date; settled_at: Date | null }>(
        `SELECT state, detail, sent_at, settled_at FROM ${table} WHERE subscriber_id = $1 AND unique_key_id = $2`,
        { bind: [subscriberId, uniqueKeyId], type: QueryTypes.SELECT },
      );
      if (row === undefined) return null;
      return { state: row.state, detail: row.detail, sentAt: row.sent_at.toISOString(), settledAt: row.settled_at?.toISOString() ?? null };
    },
  };
}

export type Challenger = ReturnType<typeof createChallenger>;
