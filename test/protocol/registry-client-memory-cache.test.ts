import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { localLookupSource, type SubscriberRecordInput } from '../../registry/index.js';
import { createRedisCorrelationStore, type CorrelationStore } from '../../src/infra/correlation/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import {
  createRegistryClient,
  KeyUnavailableError,
  type RegistryClient,
  type RegistryClientOptions,
} from '../../src/protocol/registry-client/index.js';
import { generateSigningKeyPair } from '../../src/protocol/signing/index.js';
import { countedSource, subscriberRecord } from './registry-fixtures.js';
import { createRedisFixture, type RedisFixture } from '../infra/redis-fixture.js';
import { startRegistryServer, type RegistryServer } from '../registry/registry-server.js';

const logger = createLogger('silent');

/** This suite's participant is a BAP. */
const record = (subscriberId: string, uniqueKeyId: string, extra: Partial<SubscriberRecordInput> = {}) => subscriberRecord(subscriberId, uniqueKeyId, { type: 'BAP', ...extra });

/** The real Redis store, counting the reads that reach it. */
function countingReads(store: CorrelationStore): CorrelationStore & { reads: () => number } {
  let reads = 0;
  return {
    ...store,
    async get(key) {
      reads += 1;
      return store.get(key);
    },
    reads: () => reads,
  };
}

/** A clock the test moves; starts at the real time, so registry validity reads naturally. */
function manualClock() {
  let now = Date.now();
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) };
}

describe('registry client in-process key cache (real registry, real Redis behind it)', function () {
  this.timeout(60_000);
  let server: RegistryServer;
  let redis: RedisFixture;
  let shared: CorrelationStore;
  const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}.test`;

  const setup = (options: Partial<RegistryClientOptions> = {}) => {
    const store = countingReads(shared);
    const source = countedSource(localLookupSource(server.registry));
    const time = manualClock();
    const registry: RegistryClient = createRegistryClient({ source, cache: store, cacheTtlSeconds: 3_600, logger, clock: time.clock, ...options });
    return { registry, store, source, time };
  };

  before(async () => {
    server = await startRegistryServer(logger, { adminToken: randomBytes(24).toString('base64url') });
    redis = createRedisFixture('registry-memory');
    shared = createRedisCorrelationStore({ redis: redis.connect(), prefix: redis.prefix, logger });
  });
  after(async () => {
    await shared?.close();
    await redis?.cleanup();
    await server?.close();
  });

  it('serves repeats from memory: no Redis read, no registry call', async () => {
    const id = unique('hot');
    await server.registry.upsert([record(id, 'k1')]);
    const { registry, store, source } = setup();
    const first = await registry.signingKey(id, 'k1');
    assert.equal(store.reads(), 1, 'the first call looks in Redis');
    assert.equal(source.calls.length, 1);
    for (let i = 0; i < 20; i += 1) assert.deepEqual(await registry.signingKey(id, 'k1'), first);
    assert.equal(store.reads(), 1);
    assert.equal(source.calls.length, 1);
    assert.ok(Object.isFrozen(first), 'a record shared by every request cannot be changed by one of them');
  });

  it('fills memory from a Redis hit too (another replica fetched the key)', async () => {
    const id = unique('shared');
    await server.registry.upsert([record(id, 'k1')]);
    await setup().registry.signingKey(id, 'k1');
    const { registry, store, source } = setup();
    await registry.signingKey(id, 'k1');
    await registry.signingKey(id, 'k1');
    assert.equal(store.reads(), 1);
    assert.equal(source.calls.length, 0);
  });

  it('goes back to Redis once memoryCacheTtlSeconds has passed', async () => {
    const id = unique('lapse');
    await server.registry.upsert([record(id, 'k1')]);
    const { registry, store, source, time } = setup({ memoryCacheTtlSeconds: 3 });
    await registry.signingKey(id, 'k1');
    time.advance(2_900);
    await registry.signingKey(id, 'k1');
    assert.equal(store.reads(), 1, 'still held just before the TTL');
    time.advance(100);
    await registry.signingKey(id, 'k1');
    assert.equal(store.reads(), 2, 'read from Redis again at the TTL');
    assert.equal(source.calls.length, 1, 'Redis still held it, so the registry was not asked');
  });

  it('defaults to 5 s in memory', async () => {
    const id = unique('default');
    await server.registry.upsert([record(id, 'k1')]);
    const { registry, store, time } = setup();
    await registry.signingKey(id, 'k1');
    time.advance(4_900);
    await registry.signingKey(id, 'k1');
    assert.equal(store.reads(), 1);
    time.advance(100);
    await registry.signingKey(id, 'k1');
    assert.equal(store.reads(), 2);
  });

  it('never holds a record past its valid_until', async () => {
    const id = unique('ending');
    const { registry, store, time } = setup();
    await server.registry.upsert([record(id, 'k1', { validUntil: new Date(time.clock().getTime() + 2_500) })]);
    await registry.signingKey(id, 'k1');
    time.advance(2_000);
    await assert.rejects(registry.signingKey(id, 'k1', new Date(time.clock().getTime() + 1_000)), (error: KeyUnavailableError) => error.reason === 'EXPIRED');
    assert.equal(store.reads(), 2, 'whole seconds left until valid_until (2) bound the memory TTL, not 5 s');
  });

  it('holds a negative answer no longer than the negative TTL', async () => {
    const id = unique('unknown');
    await server.registry.upsert([record(id, 'k1')]);
    const { registry, store, source, time } = setup({ negativeCacheTtlSeconds: 2 });
    const unknownKey = (error: KeyUnavailableError) => error.reason === 'UNKNOWN_KEY';
    await assert.rejects(registry.signingKey(id, 'bogus'), unknownKey);
    time.advance(1_900);
    await assert.rejects(registry.signingKey(id, 'bogus'), unknownKey);
    assert.equal(store.reads(), 1);
    time.advance(100);
    await assert.rejects(registry.signingKey(id, 'bogus'), unknownKey);
    assert.equal(store.reads(), 2);
    assert.equal(source.calls.length, 2, 'one lookup by key id and one by subscriber; then Redis answered');
  });

  it('invalidate(id, key) clears memory here; another replica sees it once its memory TTL lapses', async () => {
    const id = unique('rotated');
    const old = record(id, 'k1');
    await server.registry.upsert([old]);
    const here = setup();
    const there = setup();
    assert.equal((await here.registry.signingKey(id, 'k1')).signingPublicKey, old.signingPublicKey);
    assert.equal((await there.registry.signingKey(id, 'k1')).signingPublicKey, old.signingPublicKey);

    const rotated = { ...old, signingPublicKey: generateSigningKeyPair().publicKey };
    await server.registry.upsert([rotated]);
    await here.registry.invalidate(id, 'k1');
    assert.equal((await here.registry.signingKey(id, 'k1')).signingPublicKey, rotated.signingPublicKey);
    assert.equal((await there.registry.signingKey(id, 'k1')).signingPublicKey, old.signingPublicKey, 'still in the other replica\'s memory');
    there.time.advance(5_000);
    assert.equal((await there.registry.signingKey(id, 'k1')).signingPublicKey, rotated.signingPublicKey);
  });

  it('invalidate(id) clears every key of the subscriber from memory, unknown-key answers included', async () => {
    const id = unique('approved');
    const pending = record(id, 'k1', { status: 'INITIATED' });
    await server.registry.upsert([pending]);
    const { registry } = setup();
    await assert.rejects(registry.signingKey(id, 'k1'), (error: KeyUnavailableError) => error.reason === 'NOT_SUBSCRIBED');
    await assert.rejects(registry.signingKey(id, 'k2'), (error: KeyUnavailableError) => error.reason === 'UNKNOWN_KEY');
    await server.registry.upsert([{ ...pending, status: 'SUBSCRIBED' }, record(id, 'k2')]);
    await registry.invalidate(id);
    assert.equal((await registry.signingKey(id, 'k1')).status, 'SUBSCRIBED');
    assert.equal((await registry.signingKey(id, 'k2')).uniqueKeyId, 'k2');
  });

  it('keeps at most memoryCacheMaxEntries keys, dropping the least recently used', async () => {
    const id = unique('bounded');
    await server.registry.upsert([record(id, 'k1'), record(id, 'k2'), record(id, 'k3')]);
    const { registry, store } = setup({ memoryCacheMaxEntries: 2 });
    await registry.signingKey(id, 'k1');
    await registry.signingKey(id, 'k2');
    await registry.signingKey(id, 'k1');
    assert.equal(store.reads(), 2);
    await registry.signingKey(id, 'k3');
    assert.equal(store.reads(), 3);
    await registry.signingKey(id, 'k1');
    assert.equal(store.reads(), 3, 'k1 was used more recently than k2, so it stayed');
    await registry.signingKey(id, 'k2');
    assert.equal(store.reads(), 4, 'k2 was dropped');
  });

  it('memoryCacheTtlSeconds 0 turns it off: every call reads Redis', async () => {
    const id = unique('off');
    await server.registry.upsert([record(id, 'k1')]);
    const { registry, store, source } = setup({ memoryCacheTtlSeconds: 0 });
    for (let i = 0; i < 3; i += 1) await registry.signingKey(id, 'k1');
    assert.equal(store.reads(), 3);
    assert.equal(source.calls.length, 1);
  });

  it('refuses a negative TTL or an empty bound', () => {
    const source = localLookupSource(server.registry);
    assert.throws(() => createRegistryClient({ source, cache: shared, cacheTtlSeconds: 60, logger, memoryCacheTtlSeconds: -1 }), RangeError);
    assert.throws(() => createRegistryClient({ source, cache: shared, cacheTtlSeconds: 60, logger, memoryCacheMaxEntries: 0 }), RangeError);
  });
});
