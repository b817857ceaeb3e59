import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/infra/logging/logger.js';
import {
  createSigner,
  decryptChallenge,
  encryptChallenge,
  generateEncryptionKeyPair,
  generateSigningKeyPair,
  type Signer,
} from '../../src/protocol/signing/index.js';
import { waitFor } from '../support/wait-until.js';
import { postJson, startRegistryServer, type RegistryServer } from './registry-server.js';

const logger = createLogger('silent');
const adminToken = randomBytes(24).toString('base64url');
const admin = { authorization: `Bearer ${adminToken}` };
const day = 86_400_000;
const registryKeys = generateEncryptionKeyPair();

interface Applicant {
  subscriberId: string;
  signer: Signer;
  publicKey: string;
  encryption: ReturnType<typeof generateEncryptionKeyPair>;
}

function applicant(label: string): Applicant {
  const pair = generateSigningKeyPair();
  const subscriberId = `${label}.${randomBytes(3).toString('hex')}.test`;
  return {
    subscriberId,
    publicKey: pair.publicKey,
    signer: createSigner({ subscriberId, uniqueKeyId: 'k1', privateKey: pair.privateKeySeed }),
    encryption: generateEncryptionKeyPair(),
  };
}

/**
 * A subscriber's on_subscribe endpoint on a port of its own: it records
 * each challenge and answers what `answer` says (by default the challenge
 * decrypted with its own key and the registry's public key).
 */
async function subscriberEndpoint(who: Applicant) {
  const received: { path: string; body: { subscriber_id: string; challenge: string } }[] = [];
  const endpoint = {
    received,
    answer: (challenge: string): unknown => ({ answer: decryptChallenge(challenge, who.encryption.privateKey, registryKeys.publicKeyDer) }),
    url: '',
    server: null as unknown as Server,
  };
  endpoint.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { subscriber_id: string; challenge: string };
      received.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(endpoint.answer(body.challenge)));
    });
  });
  await new Promise<void>((resolve) => endpoint.server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(endpoint.server.address() as AddressInfo).port}/beckn/bpp`;
  return endpoint;
}

function recordBody(who: Applicant, subscriberUrl: string): Record<string, unknown> {
  return {
    subscriber_id: who.subscriberId,
    unique_key_id: 'k1',
    type: 'BPP',
    domain: 'ONDC:TRV10',
    city: 'std:080',
    country: 'IND',
    subscriber_url: subscriberUrl,
    signing_public_key: who.publicKey,
    encr_public_key: who.encryption.publicKeyDer,
    valid_from: new Date(Date.now() - day).toISOString(),
    valid_until: new Date(Date.now() + 365 * day).toISOString(),
  };
}

describe('registry subscribe handshake: on_subscribe challenge (real Postgres, real HTTP)', function () {
  this.timeout(60_000);
  let server: RegistryServer;
  const servers: Server[] = [];

  before(async () => {
    server = await startRegistryServer(logger, { adminToken, allowPrivateUrls: true, encryptionPrivateKey: registryKeys.privateKeyDer, challengeTimeoutMs: 2_000 });
  });
  after(async () => {
    for (const s of servers) s.close();
    await server?.close();
  });

  const subscribeSelfSigned = async (who: Applicant, body: Record<string, unknown>) => {
    const text = JSON.stringify(body);
    return postJson(`${server.baseUrl}/registry/subscribe`, text, { authorization: who.signer.sign(Buffer.from(text)) });
  };
  const challengeOf = async (who: Applicant, headers: Record<string, string> = admin) => {
    const response = await fetch(`${server.baseUrl}/registry/subscribers/${encodeURIComponent(who.subscriberId)}/k1/challenge`, { headers });
    return { status: response.status, body: (await response.json()) as any };
  };
  const settled = (who: Applicant) =>
    waitFor('the challenge is settled', async () => {
      const { body } = await challengeOf(who);
      return body.challenge !== null && body.challenge.state !== 'SENT' ? body : undefined;
    }, { timeoutMs: 10_000, intervalMs: 20 });

  it('ACKs a new subscriber at once as INITIATED, then makes it SUBSCRIBED once it answers the encrypted challenge', async () => {
    const who = applicant('handshake');
    const endpoint = await subscriberEndpoint(who);
    servers.push(endpoint.server);
    const answer = await subscribeSelfSigned(who, recordBody(who, endpoint.url));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.message, { ack: { status: 'ACK' } });
    assert.equal(answer.body.status, 'INITIATED');
    assert.equal(answer.body.challenge, 'SENT');

    const outcome = await settled(who);
    assert.equal(outcome.challenge.state, 'ANSWERED', JSON.stringify(outcome));
    assert.equal(outcome.status, 'SUBSCRIBED');
    assert.equal(endpoint.received.length, 1);
    const [call] = endpoint.received;
    assert.equal(call?.path, '/beckn/bpp/on_subscribe');
    assert.equal(call?.body.subscriber_id, who.subscriberId);
    assert.notEqual(
      decryptChallenge(call?.body.challenge ?? '', who.encryption.privateKey, registryKeys.publicKeyDer),
      call?.body.challenge,
      'the challenge travels encrypted',
    );
    const { body: records } = await postJson(`${server.baseUrl}/registry/lookup`, JSON.stringify({ subscriber_id: who.subscriberId }));
    assert.equal(records[0].status, 'SUBSCRIBED');
  });

  it('leaves a subscriber that answers wrong INITIATED, and tells the admin why', async () => {
    const who = applicant('wrong-answer');
    const endpoint = await subscriberEndpoint(who);
    servers.push(endpoint.server);
    endpoint.answer = () => ({ answer: 'not the challenge' });
    assert.equal((await subscribeSelfSigned(who, recordBody(who, endpoint.url))).status, 200);
    const outcome = await settled(who);
    assert.equal(outcome.challenge.state, 'WRONG_ANSWER');
    assert.equal(outcome.status, 'INITIATED');

    // A subscriber that decrypts with another registry key than ours answers wrong too.
    const other = applicant('other-registry-key');
    const otherEndpoint = await subscriberEndpoint(other);
    servers.push(otherEndpoint.server);
    const strangerRegistry = generateEncryptionKeyPair();
    otherEndpoint.answer = (challenge) => {
      try {
        return { answer: decryptChallenge(challenge, other.encryption.privateKey, strangerRegistry.publicKeyDer) };
      } catch {
        return { answer: '' };
      }
    };
    assert.equal((await subscribeSelfSigned(other, recordBody(other, otherEndpoint.url))).status, 200);
    const otherOutcome = await settled(other);
    assert.equal(otherOutcome.challenge.state, 'WRONG_ANSWER');
    assert.equal(otherOutcome.status, 'INITIATED');
  });

  it('leaves a subscriber whose on_subscribe is unreachable INITIATED, with the reason; the admin may still approve it', async () => {
    const who = applicant('unreachable');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    assert.equal((await subscribeSelfSigned(who, recordBody(who, `http://127.0.0.1:${port}/beckn/bpp`))).status, 200);
    const outcome = await settled(who);
    assert.equal(outcome.challenge.state, 'UNREACHABLE');
    assert.match(outcome.challenge.detail, /ECONNREFUSED|fetch failed/);
    assert.equal(outcome.status, 'INITIATED');
    const approved = await postJson(
      `${server.baseUrl}/registry/subscribers/${encodeURIComponent(who.subscriberId)}/k1/status`,
      JSON.stringify({ status: 'SUBSCRIBED' }),
      admin,
    );
    assert.equal(approved.body.status, 'SUBSCRIBED');
  });

  it('sends no challenge for records the admin token writes, and shows the challenge state to the admin only', async () => {
    const who = applicant('by-admin');
    const endpoint = await subscriberEndpoint(who);
    servers.push(endpoint.server);
    const answer = await postJson(`${server.baseUrl}/registry/subscribe`, JSON.stringify(recordBody(who, endpoint.url)), admin);
    assert.equal(answer.body.status, 'SUBSCRIBED');
    assert.equal(answer.body.challenge, 'NONE');
    const shown = await challengeOf(who);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.challenge, null);
    assert.equal(endpoint.received.length, 0);
    assert.equal((await challengeOf(who, {})).status, 401);
    assert.equal((await challengeOf(who, { authorization: `Bearer ${randomBytes(24).toString('base64url')}` })).status, 401);
    assert.equal((await challengeOf(applicant('nobody'))).status, 404);
  });
});

describe('on_subscribe challenge cipher', () => {
  it('is X25519 then AES-256-ECB as OpenSSL computes them, with keys in DER or raw form', function () {
    this.timeout(20_000);
    const registry = generateEncryptionKeyPair();
    const subscriber = generateEncryptionKeyPair();
    const challenge = randomBytes(32).toString('base64url');
    const encrypted = encryptChallenge(challenge, registry.privateKeyDer, subscriber.publicKeyDer);

    const dir = mkdtempSync(join(tmpdir(), 'beckn-ride-test-cipher-'));
    try {
      const pem = (label: string, der: string) => `-----BEGIN ${label}-----\n${der}\n-----END ${label}-----\n`;
      writeFileSync(join(dir, 'subscriber.pem'), pem('PRIVATE KEY', subscriber.privateKeyDer));
      writeFileSync(join(dir, 'registry.pub.pem'), pem('PUBLIC KEY', registry.publicKeyDer));
      const secret = execFileSync('openssl', ['pkeyutl', '-derive', '-inkey', join(dir, 'subscriber.pem'), '-peerkey', join(dir, 'registry.pub.pem')]);
      assert.equal(secret.length, 32);
      writeFileSync(join(dir, 'challenge.bin'), Buffer.from(encrypted, 'base64'));
      const plain = execFileSync('openssl', ['enc', '-d', '-aes-256-ecb', '-K', secret.toString('hex'), '-in', join(dir, 'challenge.bin')]);
      assert.equal(plain.toString('utf8'), challenge);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(decryptChallenge(encrypted, subscriber.privateKey, registry.publicKey), challenge, 'raw keys work as DER ones do');
    assert.throws(() => decryptChallenge(encrypted, generateEncryptionKeyPair().privateKey, registry.publicKey));
  });
});
