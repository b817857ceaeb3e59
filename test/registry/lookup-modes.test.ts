import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { SubscriberRecordInput } from '../../registry/index.js';
import { createMemoryCorrelationStore } from '../../src/infra/correlation/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import {
  createRegistryClient,
  httpLookupSource,
  RegistryUnavailableError,
  type LookupSource,
} from '../../src/protocol/registry-client/index.js';
import { createSigner, generateSigningKeyPair, type Signer } from '../../src/protocol/signing/index.js';
import { postJson, startRegistryServer, type RegistryServer } from './registry-server.js';

const logger = createLogger('silent');
const adminToken = randomBytes(24).toString('base64url');
const day = 86_400_000;

interface Key {
  subscriberId: string;
  uniqueKeyId: string;
  publicKey: string;
  signer: Signer;
}

function key(subscriberId: string, uniqueKeyId: string): Key {
  const pair = generateSigningKeyPair();
  return { subscriberId, uniqueKeyId, publicKey: pair.publicKey, signer: createSigner({ subscriberId, uniqueKeyId, privateKey: pair.privateKeySeed }) };
}

function record(who: Key, extra: Partial<SubscriberRecordInput> = {}): SubscriberRecordInput {
  return {
    subscriberId: who.subscriberId,
    uniqueKeyId: who.uniqueKeyId,
    type: 'BPP',
    domain: 'ONDC:TRV10',
    city: 'std:080',
    country: 'IND',
    subscriberUrl: `https://${who.subscriberId}/beckn/bpp`,
    signingPublicKey: who.publicKey,
    encrPublicKey: null,
    validFrom: new Date(Date.now() - day),
    validUntil: new Date(Date.now() + 365 * day),
    ...extra,
  };
}

describe('registry lookups: by ukId, signed, and the cached subscriber list (real Postgres, real HTTP)', function () {
  this.timeout(60_000);
  let open: RegistryServer;
  let strict: RegistryServer;
  const suffix = randomBytes(3).toString('hex');
  const first = key(`lookup-bpp.${suffix}.test`, 'k1');
  const second = key(first.subscriberId, 'k2');
  const pending = key(`lookup-pending.${suffix}.test`, 'k1');

  before(async () => {
    open = await startRegistryServer(logger, { adminToken });
    strict = await startRegistryServer(logger, { adminToken, requireSignedLookup: true });
    for (const server of [open, strict]) {
      await server.registry.upsert([record(first), record(second), record(pending, { status: 'INITIATED' })]);
    }
  });
  after(async () => {
    await open?.close();
    await strict?.close();
  });

  const lookup = (server: RegistryServer, filter: Record<string, unknown>, signer?: Signer, header?: string) => {
    const text = JSON.stringify(filter);
    const authorization = header ?? (signer === undefined ? undefined : signer.sign(Buffer.from(text)));
    return postJson(`${server.baseUrl}/registry/lookup`, text, authorization === undefined ? {} : { authorization });
  };

  it('honours ukId as unique_key_id: only the named key of the subscriber comes back', async () => {
    for (const filter of [{ subscriber_id: first.subscriberId, ukId: 'k2' }, { subscriber_id: first.subscriberId, unique_key_id: 'k2' }]) {
      const answer = await lookup(open, filter);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body.map((r: { ukId: string; unique_key_id: string }) => [r.unique_key_id, r.ukId]), [['k2', 'k2']], JSON.stringify(filter));
    }
    assert.equal((await lookup(open, { subscriber_id: first.subscriberId })).body.length, 2);
    const client = createRegistryClient({
      source: httpLookupSource({ url: `${open.baseUrl}/registry/lookup`, timeoutMs: 3_000, retries: 0, logger }),
      cache: createMemoryCorrelationStore(),
      cacheTtlSeconds: 60,
      logger,
    });
    assert.equal((await client.signingKey(first.subscriberId, 'k2')).signingPublicKey, second.publicKey);
  });

  it('checks a signature that is sent even where lookups may be unsigned; any other Authorization scheme counts as unsigned', async () => {
    assert.equal((await lookup(open, { subscriber_id: first.subscriberId })).status, 200);
    assert.equal((await lookup(open, { subscriber_id: first.subscriberId }, first.signer)).status, 200);
    assert.equal((await lookup(open, { subscriber_id: first.subscriberId }, undefined, 'Bearer not-a-registry-credential')).status, 200);
    const forged = key(first.subscriberId, 'k1');
    assert.equal((await lookup(open, { subscriber_id: first.subscriberId }, forged.signer)).status, 401, 'another private key than k1');
    const otherBytes = first.signer.sign(Buffer.from('{"subscriber_id":"someone.else"}'));
    assert.equal((await lookup(open, { subscriber_id: first.subscriberId }, undefined, otherBytes)).status, 401, 'signature over other bytes');
  });

  it('requires a signature by a currently valid subscribed key when configured to, as the client makes it', async () => {
    const unsigned = await lookup(strict, { subscriber_id: first.subscriberId });
    assert.equal(unsigned.status, 401);
    assert.match(unsigned.body.error.message, /Signature/);
    assert.equal((await lookup(strict, { subscriber_id: first.subscriberId }, first.signer)).status, 200);
    assert.equal((await lookup(strict, { subscriber_id: first.subscriberId }, pending.signer)).status, 401, 'an INITIATED key signs no lookup');
    assert.equal((await lookup(strict, { subscriber_id: first.subscriberId }, key(`stranger.${suffix}.test`, 'k1').signer)).status, 401);

    const url = `${strict.baseUrl}/registry/lookup`;
    const signed = httpLookupSource({ url, timeoutMs: 3_000, retries: 0, logger, sign: (body) => second.signer.sign(body) });
    assert.equal((await signed({ subscriberId: first.subscriberId, uniqueKeyId: 'k1' })).length, 1);
    await assert.rejects(
      httpLookupSource({ url, timeoutMs: 3_000, retries: 0, logger })({ subscriberId: first.subscriberId }),
      (error: unknown) => error instanceof RegistryUnavailableError && error.status === 401,
    );
  });

  it('caches each subscriber list up to its bound, never past a listed valid_until, dropping the least recently used beyond the entry bound', async () => {
    const calls: string[] = [];
    const http = httpLookupSource({ url: `${open.baseUrl}/registry/lookup`, timeoutMs: 3_000, retries: 0, logger });
    const counted: LookupSource = (filter) => {
      calls.push(JSON.stringify(filter));
      return http(filter);
    };
    let now = Date.now();
    const client = createRegistryClient({
      source: counted,
      cache: createMemoryCorrelationStore(),
      cacheTtlSeconds: 300,
      subscriberListTtlSeconds: 30,
      memoryCacheMaxEntries: 2,
      logger,
      clock: () => new Date(now),
    });
    const bengaluru = { type: 'BPP' as const, domain: 'ONDC:TRV10', city: 'std:080' };
    const listed = await client.subscribers(bengaluru);
    const ours = listed.filter((r) => r.subscriberId === first.subscriberId).map((r) => r.uniqueKeyId);
    assert.deepEqual(ours.sort(), ['k1', 'k2']);
    assert.ok(!listed.some((r) => r.subscriberId === pending.subscriberId), 'INITIATED records are not listed');
    await client.subscribers(bengaluru);
    assert.equal(calls.length, 1, 'the second call is answered from the cache');
    now += 29_000;
    await client.subscribers(bengaluru);
    assert.equal(calls.length, 1);
    now += 2_000;
    await client.subscribers(bengaluru);
    assert.equal(calls.length, 2, 'past its bound the list is asked for again');

    await client.subscribers({ ...bengaluru, city: 'std:011' });
    await client.subscribers({ ...bengaluru, city: 'std:044' });
    assert.equal(calls.length, 4);
    await client.subscribers(bengaluru);
    assert.equal(calls.length, 5, 'beyond two lists the least recently used was dropped');

    // A listed key that lapses within the bound ends the cached list at its valid_until.
    const brief = key(`lookup-brief.${suffix}.test`, 'k1');
    await open.registry.upsert([record(brief, { city: 'std:080', domain: 'ONDC:TRV10:brief', validUntil: new Date(now + 10_000) })]);
    const briefFilter = { type: 'BPP' as const, domain: 'ONDC:TRV10:brief' };
    assert.equal((await client.subscribers(briefFilter)).length, 1);
    const before = calls.length;
    now += 9_000;
    assert.equal((await client.subscribers(briefFilter)).length, 1);
    assert.equal(calls.length, before);
    now += 2_000;
    assert.equal((await client.subscribers(briefFilter)).length, 0);
    assert.equal(calls.length, before + 1, 'the list was asked for again once its first valid_until passed');
  });
});
