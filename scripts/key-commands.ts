/**
 * The registry-facing key commands of `npm run keys`: join a registry
 * through the subscribe handshake, rotate the signing key without downtime,
 * and retire keys past their validity. They run with the service's
 * environment (the same variables it reads) and talk to its registry
 * (`REGISTRY_URL`, or the in-process dev registry at `PUBLIC_URL/registry`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, readEnv, type Config } from '../src/config/index.js';
import {
  activeKey,
  createSigner,
  entryPublicKey,
  generateSigningKeyPair,
  readKeysFile,
  writeKeysFile,
  x25519PublicKeyDer,
  type KeyFileEntry,
  type KeysFile,
  type Signer,
} from '../src/protocol/signing/index.js';

type Role = 'bap' | 'bpp' | 'gateway';
const becknRoles: readonly Role[] = ['bap', 'bpp', 'gateway'];
const registryTypes = { bap: 'BAP', bpp: 'BPP', gateway: 'BG' } as const;
const day = 86_400_000;

export class KeyCommandError extends Error {
  override readonly name = 'KeyCommandError';
}

interface Context {
  config: Config;
  roles: Role[];
  registryUrl: string;
  say: (line: string) => void;
  now: () => Date;
}

export function commandContext(say: (line: string) => void): Context {
  const { config } = loadConfig(readEnv(process.env));
  const roles = becknRoles.filter((role) => config.beckn.roles.includes(role));
  if (roles.length === 0) throw new KeyCommandError('ROLES names no Beckn role (bap, bpp, gateway): there is no key to manage');
  const registryUrl = config.beckn.registryUrl ?? `${config.http.publicUrl}/registry`;
  return { config, roles, registryUrl, say, now: () => new Date() };
}

async function post(ctx: Context, path: string, body: Record<string, unknown>, signer: Signer | null): Promise<{ status: number; body: any }> {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signer !== null) headers.authorization = signer.sign(Buffer.from(text));
  const response = await fetch(`${ctx.registryUrl}${path}`, { method: 'POST', headers, body: text, signal: AbortSignal.timeout(10_000) });
  const answer = await response.text();
  return { status: response.status, body: answer === '' ? null : (JSON.parse(answer) as unknown) };
}

/** The registry's record of one key, looked up (signed when REGISTRY_SIGNED_LOOKUP is on). */
async function lookupKey(ctx: Context, subscriberId: string, uniqueKeyId: string, signer: Signer): Promise<Record<string, any> | null> {
  const answer = await post(ctx, '/lookup', { subscriber_id: subscriberId, unique_key_id: uniqueKeyId }, ctx.config.beckn.keys.signedLookup ? signer : null);
  if (answer.status !== 200 || !Array.isArray(answer.body)) throw new KeyCommandError(`registry lookup answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return (answer.body as Record<string, any>[]).find((record) => record.subscriber_id === subscriberId && record.unique_key_id === uniqueKeyId) ?? null;
}

/** A subscribe body from a looked-up record, with changes. */
function subscribeBody(record: Record<string, any>, changes: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {
    subscriber_id: record.subscriber_id,
    unique_key_id: record.unique_key_id,
    type: record.type,
    subscriber_url: record.subscriber_url,
    signing_public_key: record.signing_public_key,
    valid_from: record.valid_from,
    valid_until: record.valid_until,
  };
  for (const field of ['domain', 'city', 'country', 'encr_public_key']) if (typeof record[field] === 'string') body[field] = record[field];
  return { ...body, ...changes };
}

function signerFor(ctx: Context, role: Role, entry: KeyFileEntry): Signer {
  return createSigner({ subscriberId: ctx.config.beckn.subscriberIds[role], uniqueKeyId: entry.unique_key_id, privateKey: entry.signing_private_key });
}

/** The keys file, or one holding the configured key (SIGNING_PRIVATE_KEY as UNIQUE_KEY_ID) as registered. */
async function keysOf(ctx: Context): Promise<{ path: string; file: KeysFile }> {
  const path = ctx.config.beckn.keys.keysFile;
  if (path === null) throw new KeyCommandError('KEYS_FILE is not set: the running service would never learn the new key');
  const file = await readKeysFile(path);
  if (file !== null && file.keys.length > 0) return { path, file };
  const configured: KeyFileEntry = {
    unique_key_id: ctx.config.beckn.uniqueKeyId,
    signing_private_key: ctx.config.secrets.signingPrivateKey,
    valid_from: new Date(ctx.now().getTime() - day).toISOString(),
    valid_until: new Date(ctx.now().getTime() + 365 * day).toISOString(),
    registered_at: new Date(0).toISOString(),
  };
  // The registry knows the configured key's real validity.
  const record = await lookupKey(ctx, ctx.config.beckn.subscriberIds[ctx.roles[0] as Role], configured.unique_key_id, signerFor(ctx, ctx.roles[0] as Role, configured));
  if (record !== null) Object.assign(configured, { valid_from: record.valid_from, valid_until: record.valid_until });
  return { path, file: { keys: [configured] } };
}

/**
 * Marks EXPIRED at the registry, and drops from the keys file, every key
 * whose valid_until has passed, signing with the active key.
 */
export async function retire(ctx: Context): Promise<string[]> {
  const { path, file } = await keysOf(ctx);
  const now = ctx.now();
  const active = activeKey(file, now);
  if (active === null) throw new KeyCommandError('the keys file has no registered key inside its validity to sign with');
  const lapsed = file.keys.filter((entry) => entry !== active && Date.parse(entry.valid_until) <= now.getTime());
  for (const entry of lapsed) {
    for (const role of ctx.roles) {
      const signer = signerFor(ctx, role, active);
      const current = await lookupKey(ctx, signer.subscriberId, active.unique_key_id, signer);
      if (current === null) throw new KeyCommandError(`the registry has no record of ${signer.subscriberId}|${active.unique_key_id}`);
      const answer = await post(ctx, '/subscribe', subscribeBody(current, { replaces_unique_key_id: entry.unique_key_id }), signer);
      // 404: the registry no longer holds the old key, which is as retired as it gets.
      if (answer.status !== 200 && answer.status !== 404) {
        throw new KeyCommandError(`retiring ${signer.subscriberId}|${entry.unique_key_id}: registry answered ${answer.status} ${JSON.stringify(answer.body)}`);
      }
    }
    ctx.say(`retired ${entry.unique_key_id} (valid until ${entry.valid_until}): EXPIRED at the registry, private key removed from ${path}`);
  }
  const remaining = file.keys.filter((entry) => !lapsed.includes(entry));
  await writeKeysFile(path, { keys: remaining });
  return lapsed.map((entry) => entry.unique_key_id);
}

export interface RotateOptions {
  /** How long the old key stays valid after the switch; SIGNATURE_TTL_SECONDS + BECKN_CLOCK_SKEW_SECONDS unless given. */
  overlapSeconds?: number;
  /** Validity of the new key; 365 days unless given. */
  validDays?: number;
}

/**
 * Rotation without downtime:
 * 1. a new key pair with a new unique_key_id is saved in the keys file, not yet registered (unused);
 * 2. for every role, the registry gets the new key, signed with the current one (SUBSCRIBED at once);
 * 3. the old key's valid_until is brought down to now + overlap, also signed with the current key;
 * 4. the keys file marks the new key registered: the running service, which re-reads it every
 *    second, signs with it from then on; messages signed with the old key just before still
 *    verify until the old valid_until; peers that cached the old record hold it at most their
 *    cache bound, and it lapses at its valid_until in any case.
 * Keys already past their valid_until are retired first.
 */
export async function rotate(ctx: Context, options: RotateOptions = {}): Promise<KeyFileEntry> {
  await retire(ctx).catch((error: unknown) => {
    if (!(error instanceof KeyCommandError)) throw error;
  });
  const { path, file } = await keysOf(ctx);
  const now = ctx.now();
  const current = activeKey(file, now);
  if (current === null) throw new KeyCommandError('the keys file has no registered key inside its validity to sign the rotation with');
  const overlapSeconds = options.overlapSeconds ?? ctx.config.beckn.signatureTtlSeconds + ctx.config.beckn.clockSkewSeconds;
  const pair = generateSigningKeyPair();
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const fresh: KeyFileEntry = {
    unique_key_id: `key-${stamp}-${pair.publicKey.slice(0, 6).replace(/[+/]/g, 'x')}`,
    signing_private_key: pair.privateKeySeed,
    valid_from: new Date(now.getTime() - ctx.config.beckn.clockSkewSeconds * 1000).toISOString(),
    valid_until: new Date(now.getTime() + (options.validDays ?? 365) * day).toISOString(),
    registered_at: null,
  };
  await writeKeysFile(path, { keys: [...file.keys, fresh] });

  const oldUntil = new Date(Math.min(Date.parse(current.valid_until), now.getTime() + overlapSeconds * 1000)).toISOString();
  for (const role of ctx.roles) {
    const signer = signerFor(ctx, role, current);
    const record = await lookupKey(ctx, signer.subscriberId, current.unique_key_id, signer);
    if (record === null) throw new KeyCommandError(`the registry has no record of ${signer.subscriberId}|${current.unique_key_id} to rotate from`);
    const added = await post(
      ctx,
      '/subscribe',
      subscribeBody(record, {
        unique_key_id: fresh.unique_key_id,
        signing_public_key: entryPublicKey(fresh),
        valid_from: fresh.valid_from,
        valid_until: fresh.valid_until,
      }),
      signer,
    );
    if (added.status !== 200 || added.body?.status !== 'SUBSCRIBED') {
      throw new KeyCommandError(`registering ${signer.subscriberId}|${fresh.unique_key_id}: registry answered ${added.status} ${JSON.stringify(added.body)}`);
    }
    const shortened = await post(ctx, '/subscribe', subscribeBody(record, { valid_until: oldUntil }), signer);
    if (shortened.status !== 200) {
      throw new KeyCommandError(`shortening ${signer.subscriberId}|${current.unique_key_id}: registry answered ${shortened.status} ${JSON.stringify(shortened.body)}`);
    }
    ctx.say(`${signer.subscriberId}: ${fresh.unique_key_id} registered; ${current.unique_key_id} valid until ${oldUntil}`);
  }
  const registered = { ...fresh, registered_at: ctx.now().toISOString() };
  const keys = file.keys.map((entry) => (entry.unique_key_id === current.unique_key_id ? { ...entry, valid_until: oldUntil } : entry));
  await writeKeysFile(path, { keys: [...keys, registered] });
  ctx.say(`signing switches to ${registered.unique_key_id} (${path}); run \`npm run keys -- retire\` after ${oldUntil}`);
  return registered;
}

/**
 * Joins the registry through the subscribe handshake: each role's record,
 * signed with its own (configured or active) key, with the X25519 public key
 * of X25519_PRIVATE_KEY; the registry then challenges the running service at
 * `{subscriber_url}/on_subscribe`. Waits up to `waitMs` for SUBSCRIBED.
 */
export async function subscribe(ctx: Context, waitMs = 30_000): Promise<Record<string, string>> {
  const x25519 = ctx.config.beckn.keys.x25519PrivateKey;
  if (x25519 === null) throw new KeyCommandError('X25519_PRIVATE_KEY is not set: the service could not answer the challenge');
  const path = ctx.config.beckn.keys.keysFile;
  const file = path === null ? null : await readKeysFile(path);
  const key: KeyFileEntry = (file === null ? null : activeKey(file, ctx.now())) ?? {
    unique_key_id: ctx.config.beckn.uniqueKeyId,
    signing_private_key: ctx.config.secrets.signingPrivateKey,
    valid_from: new Date(ctx.now().getTime() - 60_000).toISOString(),
    valid_until: new Date(ctx.now().getTime() + 365 * day).toISOString(),
    registered_at: null,
  };
  const statuses: Record<string, string> = {};
  for (const role of ctx.roles) {
    const signer = signerFor(ctx, role, key);
    const answer = await post(
      ctx,
      '/subscribe',
      {
        subscriber_id: signer.subscriberId,
        unique_key_id: key.unique_key_id,
        type: registryTypes[role],
        subscriber_url: `${ctx.config.http.publicUrl}/beckn/${role}`,
        signing_public_key: signer.publicKey,
        encr_public_key: x25519PublicKeyDer(x25519),
        valid_from: key.valid_from,
        valid_until: key.valid_until,
      },
      signer,
    );
    if (answer.status !== 200) throw new KeyCommandError(`subscribing ${signer.subscriberId}: registry answered ${answer.status} ${JSON.stringify(answer.body)}`);
    statuses[signer.subscriberId] = String(answer.body?.status);
  }
  const deadline = Date.now() + waitMs;
  for (const role of ctx.roles) {
    const signer = signerFor(ctx, role, key);
    while (statuses[signer.subscriberId] !== 'SUBSCRIBED' && Date.now() < deadline) {
      await sleep(200);
      try {
        statuses[signer.subscriberId] = String((await lookupKey(ctx, signer.subscriberId, key.unique_key_id, signer))?.status);
      } catch (error) {
        // A registry that takes signed lookups only refuses ours until the key is subscribed.
        if (!(error instanceof KeyCommandError)) throw error;
      }
    }
    ctx.say(`${signer.subscriberId}|${key.unique_key_id}: ${statuses[signer.subscriberId]}`);
  }
  return statuses;
}
