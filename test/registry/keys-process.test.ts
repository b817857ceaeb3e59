import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMemoryCorrelationStore } from '../../src/infra/correlation/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createRegistryClient, httpLookupSource, KeyUnavailableError, type RegistryClient } from '../../src/protocol/registry-client/index.js';
import {
  createSigner,
  encryptChallenge,
  generateEncryptionKeyPair,
  generateSigningKeyPair,
  parseAuthorizationHeader,
  verifyParsedAuthorization,
  x25519PublicKeyDer,
  type Signer,
} from '../../src/protocol/signing/index.js';
import { loadExamples, restamp } from '../support/beckn-examples.js';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { testServices, uniqueTestPrefix } from '../support/services.js';
import { freePort, testSecrets } from '../support/test-app.js';
import { waitFor, waitUntil } from '../support/wait-until.js';
import { postJson, startRegistryServer, type RegistryServer } from './registry-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const logger = createLogger('silent');
const adminToken = randomBytes(24).toString('base64url');
const admin = { authorization: `Bearer ${adminToken}` };
const registryKeys = generateEncryptionKeyPair();
const search = loadExamples().find((e) => e.action === 'search' && e.domain === 'ONDC:TRV10');
const overlapSeconds = 12;

/** `npm run keys -- <args>` with the service's environment. */
function runKeys(env: Record<string, string>, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

interface Callback {
  messageId: string;
  uniqueKeyId: string;
  verified: boolean;
  detail: string;
}

/**
 * A rider platform played by the test: its own key (registered by the
 * admin), searches it signs, and a callback endpoint that verifies every
 * signature as any peer would, through a registry client with its own key
 * cache (signed lookups), answering NACK 401 to any that fails.
 */
async function startRider(registryUrl: string) {
  const pair = generateSigningKeyPair();
  const subscriberId = `keys-rider.${randomBytes(3).toString('hex')}.test`;
  const signer: Signer = createSigner({ subscriberId, uniqueKeyId: 'rider-key', privateKey: pair.privateKeySeed });
  const registry: RegistryClient = createRegistryClient({
    source: httpLookupSource({ url: `${registryUrl}/lookup`, timeoutMs: 3_000, retries: 1, logger, sign: (body) => signer.sign(body) }),
    cache: createMemoryCorrelationStore(),
    cacheTtlSeconds: 5,
    memoryCacheTtlSeconds: 1,
    logger,
  });
  const callbacks: Callback[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const body = JSON.parse(raw.toString('utf8')) as { context: { message_id: string } };
        let verdict: Callback;
        try {
          const params = parseAuthorizationHeader(req.headers.authorization ?? '');
          const key = await registry.signingKey(params.subscriberId, params.uniqueKeyId);
          const checked = verifyParsedAuthorization(params, raw, key.signingPublicKey, {});
          verdict = { messageId: body.context.message_id, uniqueKeyId: params.uniqueKeyId, verified: checked.ok, detail: checked.ok ? '' : checked.detail };
        } catch (error) {
          verdict = { messageId: body.context.message_id, uniqueKeyId: '?', verified: false, detail: (error as Error).message };
        }
        callbacks.push(verdict);
        const answer = verdict.verified ? { message: { ack: { status: 'ACK' } } } : { message: { ack: { status: 'NACK' } }, error: { code: '10001', message: verdict.detail } };
        res.writeHead(verdict.verified ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/beckn/bap`;
  return { subscriberId, signer, publicKey: pair.publicKey, registry, callbacks, server, url };
}

describe('a beckn-ride process joins the registry by the handshake and rotates its key mid-traffic (real processes, real HTTP)', function () {
  this.timeout(240_000);
  let registry: RegistryServer;
  let database: FreshDatabase;
  let service: ServiceProcess | undefined;
  let rider: Awaited<ReturnType<typeof startRider>>;
  let env: Record<string, string>;
  let dir: string;
  const bppId = `keys-bpp.${randomBytes(3).toString('hex')}.test`;

  before(async () => {
    registry = await startRegistryServer(logger, {
      adminToken,
      allowPrivateUrls: true,
      encryptionPrivateKey: registryKeys.privateKeyDer,
      requireSignedLookup: true,
    });
    rider = await startRider(`${registry.baseUrl}/registry`);
    const now = Date.now();
    await registry.registry.upsert([
      {
        subscriberId: rider.subscriberId,
        uniqueKeyId: 'rider-key',
        type: 'BAP',
        domain: null,
        city: null,
        country: null,
        subscriberUrl: rider.url,
        signingPublicKey: rider.publicKey,
        encrPublicKey: null,
        validFrom: new Date(now - 86_400_000),
        validUntil: new Date(now + 86_400_000),
      },
    ]);
    database = await freshServerDatabase('keys');
    dir = mkdtempSync(join(tmpdir(), 'beckn-ride-test-keys-'));
    const port = await freePort();
    env = {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'info',
      DATA_DIR: dir,
      DATABASE_URL: database.url,
      REDIS_URL: testServices.redisUrl,
      REDIS_KEY_PREFIX: uniqueTestPrefix('keys'),
      ROLES: 'bpp',
      BPP_SUBSCRIBER_ID: bppId,
      REGISTRY_URL: `${registry.baseUrl}/registry`,
      REGISTRY_SIGNED_LOOKUP: 'true',
      REGISTRY_CACHE_TTL_SECONDS: '5',
      X25519_PRIVATE_KEY: generateEncryptionKeyPair().privateKeyDer,
      REGISTRY_ENCR_PUBLIC_KEY: registryKeys.publicKeyDer,
      KEYS_FILE: join(dir, 'keys.json'),
      UNIQUE_KEY_ID: 'key-1',
      DELIVERY_TIMEOUT_MS: '2000',
      DELIVERY_BASE_BACKOFF_MS: '200',
      DELIVERY_MAX_BACKOFF_MS: '400',
      DELIVERY_POLL_INTERVAL_MS: '50',
      ...(testSecrets() as Record<string, string>),
    };
    service = await startServiceProcess({ ...env, FIXTURE_HANDLER: 'reply' }, 90_000, 'test/fixtures/provider-node.ts');
  });
  after(async () => {
    if (service && service.child.exitCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    rider?.server.close();
    await registry?.close();
    await database?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function sendSearch(): Promise<{ messageId: string; status: number }> {
    assert.ok(search);
    const messageId = randomUUID();
    const body = restamp(search, {
      bap_id: rider.subscriberId,
      bap_uri: rider.url,
      transaction_id: randomUUID(),
      message_id: messageId,
      timestamp: new Date().toISOString(),
      ttl: 'PT30S',
    });
    const text = JSON.stringify(body);
    const answer = await postJson(`${env.PUBLIC_URL}/beckn/bpp/search`, text, { authorization: rider.signer.sign(Buffer.from(text)) });
    return { messageId, status: answer.status };
  }

  const lookupStatus = async (uniqueKeyId: string) => {
    const text = JSON.stringify({ subscriber_id: bppId, unique_key_id: uniqueKeyId });
    const answer = await postJson(`${registry.baseUrl}/registry/lookup`, text, { authorization: rider.signer.sign(Buffer.from(text)) });
    return answer.body as { status: string; valid_until: string }[];
  };

  it('answers the registry challenge at /beckn/bpp/on_subscribe: `keys subscribe` makes it SUBSCRIBED; the registry then takes only signed lookups', async () => {
    // Before it is subscribed, the registry refuses the lookups it signs, so it cannot check its callers: NACK, retry later.
    const unsubscribed = await sendSearch();
    assert.equal(unsubscribed.status, 500);

    const joined = await runKeys(env, ['subscribe']);
    const challenge = await fetch(`${registry.baseUrl}/registry/subscribers/${bppId}/key-1/challenge`, { headers: admin });
    const shown = (await challenge.json()) as { status: string; challenge: { state: string } };
    assert.equal(joined.code, 0, joined.stdout + joined.stderr + JSON.stringify(shown));
    assert.match(joined.stdout, new RegExp(`${bppId.replace(/\./g, '\\.')}\\|key-1: SUBSCRIBED`));
    assert.equal(shown.status, 'SUBSCRIBED');
    assert.equal(shown.challenge.state, 'ANSWERED', 'the process decrypted the challenge');
    const [record] = await lookupStatus('key-1');
    assert.equal(record?.status, 'SUBSCRIBED');

    // It answers only challenges for its own subscriber id that decrypt with its key and the registry's.
    const onSubscribe = `${env.PUBLIC_URL}/beckn/bpp/on_subscribe`;
    const stranger = encryptChallenge('x', generateEncryptionKeyPair().privateKeyDer, x25519PublicKeyDer(env.X25519_PRIVATE_KEY as string));
    assert.equal((await postJson(onSubscribe, JSON.stringify({ subscriber_id: bppId, challenge: stranger }))).status, 400, 'encrypted by another key than the registry\'s');
    assert.equal((await postJson(onSubscribe, JSON.stringify({ subscriber_id: 'someone.else', challenge: stranger }))).status, 404);
    assert.equal((await postJson(onSubscribe, JSON.stringify({ subscriber_id: bppId }))).status, 400);

    const unsigned = await postJson(`${registry.baseUrl}/registry/lookup`, JSON.stringify({ subscriber_id: bppId }));
    assert.equal(unsigned.status, 401, 'unsigned lookups are refused');
    // The process looks the rider's key up with lookups it signs, and ACKs its search.
    const accepted = await sendSearch();
    assert.equal(accepted.status, 200);
    await waitUntil('the callback is verified', () => rider.callbacks.some((c) => c.messageId === accepted.messageId && c.verified), { timeoutMs: 20_000, intervalMs: 20 });
  });

  it('rotates its signing key while searches stream in: zero NACKs either way, then every callback signed with the new key id', async () => {
    const answers: { messageId: string; status: number; sentAt: number }[] = [];
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        const sentAt = Date.now();
        answers.push({ ...(await sendSearch()), sentAt });
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    try {
      await waitUntil('traffic flows', () => rider.callbacks.length >= 15, { timeoutMs: 30_000, intervalMs: 20 });
      const rotated = await runKeys(env, ['rotate', '--overlap-seconds', String(overlapSeconds)]);
      assert.equal(rotated.code, 0, rotated.stdout + rotated.stderr);
      const keys = JSON.parse(readFileSync(env.KEYS_FILE as string, 'utf8')) as { keys: { unique_key_id: string; registered_at: string | null }[] };
      const fresh = keys.keys.find((k) => k.unique_key_id !== 'key-1');
      assert.ok(fresh?.registered_at, 'the new key is registered in the keys file');
      const newKeyId = fresh.unique_key_id;
      const firstNew = await waitFor('a callback signed with the new key', () => rider.callbacks.find((c) => c.uniqueKeyId === newKeyId), { timeoutMs: 20_000, intervalMs: 20 });
      const switchedAt = Date.now();
      await waitUntil('30 more searches after the switch', () => answers.filter((a) => a.sentAt > switchedAt).length >= 30, { timeoutMs: 30_000, intervalMs: 20 });
      streaming = false;
      await stream;
      const after = answers.filter((a) => a.sentAt > switchedAt).map((a) => a.messageId);
      await waitUntil('every search has its callback', () => answers.every((a) => rider.callbacks.some((c) => c.messageId === a.messageId)), { timeoutMs: 30_000, intervalMs: 50 });

      assert.deepEqual(answers.filter((a) => a.status !== 200), [], 'every search was ACKed');
      assert.deepEqual(rider.callbacks.filter((c) => !c.verified), [], 'every callback verified: no NACK');
      assert.equal(rider.callbacks.length, new Set(rider.callbacks.map((c) => c.messageId)).size, 'each callback delivered once');
      const oldSigned = rider.callbacks.filter((c) => c.uniqueKeyId === 'key-1').length;
      assert.ok(oldSigned >= 15, 'callbacks before the rotation were signed with key-1');
      const afterKeys = rider.callbacks.filter((c) => after.includes(c.messageId)).map((c) => c.uniqueKeyId);
      assert.equal(afterKeys.length, after.length);
      assert.deepEqual([...new Set(afterKeys)], [newKeyId], 'every callback after the switch is signed with the new key id');
      assert.ok(firstNew.verified);
      console.log(`      rotation: ${answers.length} searches, ${oldSigned} callbacks by key-1, ${rider.callbacks.length - oldSigned} by ${newKeyId}, 0 NACKs`);

      // The old key lapses at its shortened valid_until; `keys retire` then expires it at the registry and forgets it.
      const [old] = await lookupStatus('key-1');
      assert.ok(old && Date.parse(old.valid_until) <= Date.now() + overlapSeconds * 1000 + 1_000, 'the old key is valid for the overlap only');
      await waitUntil('the old key lapses', () => Date.now() > Date.parse(old.valid_until), { timeoutMs: (overlapSeconds + 5) * 1000, intervalMs: 100 });
      await assert.rejects(rider.registry.signingKey(bppId, 'key-1'), (error: unknown) => error instanceof KeyUnavailableError && error.reason === 'EXPIRED');
      const retired = await runKeys(env, ['retire']);
      assert.equal(retired.code, 0, retired.stdout + retired.stderr);
      assert.match(retired.stdout, /retired key-1/);
      assert.equal((await lookupStatus('key-1'))[0]?.status, 'EXPIRED');
      const left = JSON.parse(readFileSync(env.KEYS_FILE as string, 'utf8')) as { keys: { unique_key_id: string }[] };
      assert.deepEqual(left.keys.map((k) => k.unique_key_id), [newKeyId], 'the old private key is gone from the keys file');
      const later = await sendSearch();
      assert.equal(later.status, 200);
      const callback = await waitFor('the callback after retiring', () => rider.callbacks.find((c) => c.messageId === later.messageId), { timeoutMs: 20_000, intervalMs: 20 });
      assert.equal(callback.uniqueKeyId, newKeyId);
      assert.ok(callback.verified);
    } finally {
      streaming = false;
      await stream;
    }
  });
});
