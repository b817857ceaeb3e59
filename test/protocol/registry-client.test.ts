import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localLookupSource, toWireRecord, type SubscriberRecordInput } from '../../registry/index.js';
import { createRedisCorrelationStore, type CorrelationStore } from '../../src/infra/correlation/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import {
  createRegistryClient,
  httpLookupSource,
  KeyUnavailableError,
  normalizeRecord,
  RegistryUnavailableError,
  registryKeyCacheKey,
  type LookupSource,
  type RegistryClient,
  type RegistryClientOptions,
} from '../../src/protocol/registry-client/index.js';
import { generateSigningKeyPair } from '../../src/protocol/signing/index.js';
import { countedSource, subscriberRecord } from './registry-fixtures.js';
import { createRedisFixture, type RedisFixture } from '../infra/redis-fixture.js';
import { startRegistryServer, type RegistryServer } from '../registry/registry-server.js';

const logger = createLogger('silent');
const day = 86_400_000;
/** A plain HTTP server whose handler the test scripts; counts requests. */
async function scriptedServer(handle: (req: IncomingMessage, res: ServerResponse, count: number) => void) {
  let count = 0;
  const server: Server = createServer((req, res) => {
    count += 1;
    req.resume();
    req.on('end', () => handle(req, res, count));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/registry/lookup`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('registry client (real Postgres registry, real Redis cache)', function () {
  this.timeout(60_000);
  let server: RegistryServer;
  let redis: RedisFixture;
  let cache: CorrelationStore;

  const client = (source: LookupSource, options: Partial<RegistryClientOptions> = {}): RegistryClient =>
    createRegistryClient({ source, cache, cacheTtlSeconds: 3_600, logger, ...options });
  /** A subscriber id no other test uses, so cache entries never leak between tests. */
  const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}.test`;

  before(async () => {
    server = await startRegistryServer(logger, { adminToken: randomBytes(24).toString('base64url') });
    redis = createRedisFixture('registry-client');
    cache = createRedisCorrelationStore({ redis: redis.connect(), prefix: redis.prefix, logger });
  });
  after(async () => {
    await cache?.close();
    await redis?.cleanup();
    await server?.close();
  });

  describe('normalizeRecord', () => {
    const key = generateSigningKeyPair().publicKey;
    const expected = {
      subscriberId: 'bpp.test',
      uniqueKeyId: 'k1',
      type: 'BPP',
      domain: 'ONDC:TRV10',
      city: 'std:080',
      country: 'IND',
      subscriberUrl: 'https://bpp.test/beckn',
      signingPublicKey: key,
      encrPublicKey: null,
      validFrom: '2025-01-01T00:00:00.000Z',
      validUntil: '2030-01-01T00:00:00.000Z',
      status: 'SUBSCRIBED',
      created: null,
      updated: null,
    };
    const styles: [string, Record<string, unknown>][] = [
      ['the deployed Beckn registry (subscriber_url, ukId)', { subscriber_id: 'bpp.test', ukId: 'k1', type: 'BPP', domain: 'ONDC:TRV10', city: 'std:080', country: 'IND', subscriber_url: 'https://bpp.test/beckn', signing_public_key: key, valid_from: '2025-01-01T00:00:00Z', valid_until: '2030-01-01T00:00:00Z', status: 'SUBSCRIBED' }],
      ['core 1.1 (url, key_id, location)', { subscriber_id: 'bpp.test', key_id: 'k1', type: 'BPP', domain: 'ONDC:TRV10', location: { city: { code: 'std:080' }, country: { code: 'IND' } }, url: 'https://bpp.test/beckn', signing_public_key: key, valid_from: '2025-01-01T00:00:00Z', valid_until: '2030-01-01T00:00:00Z', status: 'SUBSCRIBED' }],
      ['ONDC (unique_key_id, sellerApp, lower-case status)', { subscriber_id: 'bpp.test', unique_key_id: 'k1', type: 'sellerApp', domain: 'ONDC:TRV10', city: 'std:080', country: 'IND', subscriber_url: 'https://bpp.test/beckn', signing_public_key: key, valid_from: '2025-01-01T05:30:00+05:30', valid_until: '2030-01-01T05:30:00+05:30', status: 'subscribed' }],
      ['camelCase', { subscriberId: 'bpp.test', uniqueKeyId: 'k1', type: 'bpp', domain: 'ONDC:TRV10', city: 'std:080', country: 'IND', subscriberUrl: 'https://bpp.test/beckn', signingPublicKey: key, validFrom: '2025-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z', status: 'SUBSCRIBED' }],
    ];
    for (const [name, raw] of styles) {
      it(`reads the naming style of ${name}`, () => {
        assert.deepEqual(normalizeRecord(raw), expected);
      });
    }

    const unusable: [string, unknown][] = [
      ['no key id', { ...styles[0]![1], ukId: undefined }],
      ['a 31-byte signing key', { ...styles[0]![1], signing_public_key: randomBytes(31).toString('base64') }],
      ['an unknown type', { ...styles[0]![1], type: 'RIDER' }],
      ['an unreadable valid_until', { ...styles[0]![1], valid_until: 'soon' }],
      ['no status', { ...styles[0]![1], status: undefined }],
      ['an array', [styles[0]![1]]],
    ];
    for (const [name, raw] of unusable) {
      it(`returns null for a record with ${name}`, () => {
        assert.equal(normalizeRecord(raw), null);
      });
    }
  });

  describe('lookup and subscribers', () => {
    it('filters by ukId even when the registry returns every key of the subscriber', async () => {
      const id = unique('two-keys');
      await server.registry.upsert([subscriberRecord(id, 'k1'), subscriberRecord(id, 'k2')]);
      const local = localLookupSource(server.registry);
      const ignoresKeyId: LookupSource = ({ uniqueKeyId: _ignored, ...filter }) => local(filter);
      const found = await client(ignoresKeyId).lookup({ subscriberId: id, uniqueKeyId: 'k2' });
      assert.deepEqual(found.map((r) => r.uniqueKeyId), ['k2']);
      assert.equal((await client(ignoresKeyId).signingKey(id, 'k1')).uniqueKeyId, 'k1');
    });

    it("lists the gateway's fan-out: subscribed, currently valid records of the type for the domain and city", async () => {
      const domain = `TEST:${randomBytes(3).toString('hex')}`;
      const id = unique('fan-out');
      await server.registry.upsert([
        subscriberRecord(`a.${id}`, 'k1', { domain }),
        subscriberRecord(`b.${id}`, 'k1', { domain, status: 'INITIATED' }),
        subscriberRecord(`c.${id}`, 'k1', { domain, validUntil: new Date(Date.now() - 1_000), validFrom: new Date(Date.now() - day) }),
        subscriberRecord(`d.${id}`, 'k1', { domain, type: 'BAP' }),
        subscriberRecord(`e.${id}`, 'k1', { domain, city: 'std:044' }),
      ]);
      const list = await client(localLookupSource(server.registry)).subscribers({ type: 'BPP', domain, city: 'std:080' });
      assert.deepEqual(list.map((r) => r.subscriberId), [`a.${id}`]);
    });
  });

  describe('signingKey', () => {
    it('returns the subscribed record and serves the next call from Redis, without a registry call', async () => {
      const id = unique('cached');
      const stored = subscriberRecord(id, 'k1');
      await server.registry.upsert([stored]);
      const source = countedSource(localLookupSource(server.registry));
      const registry = client(source);
      const first = await registry.signingKey(id, 'k1');
      assert.equal(first.signingPublicKey, stored.signingPublicKey);
      assert.equal(first.status, 'SUBSCRIBED');
      assert.equal(source.calls.length, 1);
      assert.deepEqual(await client(source).signingKey(id, 'k1'), first, 'a second client (another replica) shares the cache');
      assert.equal(source.calls.length, 1);
    });

    it('makes one registry call for many concurrent misses of one key', async () => {
      const id = unique('stampede');
      await server.registry.upsert([subscriberRecord(id, 'k1')]);
      const source = countedSource(localLookupSource(server.registry));
      const registry = client(source);
      await Promise.all(Array.from({ length: 20 }, () => registry.signingKey(id, 'k1')));
      assert.equal(source.calls.length, 1);
    });

    it('caches until min(valid_until, configured TTL), in seconds', async () => {
      const soon = unique('ends-soon');
      const later = unique('ends-later');
      await server.registry.upsert([
        subscriberRecord(soon, 'k1', { validUntil: new Date(Date.now() + 120_000) }),
        subscriberRecord(later, 'k1', { validUntil: new Date(Date.now() + 365 * day) }),
      ]);
      const registry = client(localLookupSource(server.registry), { cacheTtlSeconds: 600 });
      await registry.signingKey(soon, 'k1');
      await registry.signingKey(later, 'k1');
      const soonTtl = await cache.ttl(registryKeyCacheKey(soon, 'k1'));
      const laterTtl = await cache.ttl(registryKeyCacheKey(later, 'k1'));
      assert.ok(soonTtl !== null && soonTtl > 90_000 && soonTtl <= 120_000, `valid_until bounds the TTL, got ${soonTtl} ms`);
      assert.ok(laterTtl !== null && laterTtl > 570_000 && laterTtl <= 600_000, `the configured TTL bounds it, got ${laterTtl} ms`);
    });

    it('honours `at`: a key expired now still verifies a signature made while it was valid, uncached', async () => {
      const id = unique('lapsed');
      await server.registry.upsert([subscriberRecord(id, 'k1', { validFrom: new Date(Date.now() - 10 * day), validUntil: new Date(Date.now() - day) })]);
      const source = countedSource(localLookupSource(server.registry));
      const registry = client(source);
      const found = await registry.signingKey(id, 'k1', new Date(Date.now() - 2 * day));
      assert.equal(found.uniqueKeyId, 'k1');
      await assert.rejects(registry.signingKey(id, 'k1'), (error: KeyUnavailableError) => error.reason === 'EXPIRED');
      assert.equal(await cache.get(registryKeyCacheKey(id, 'k1')), null, 'an expired record is never cached');
      assert.equal(source.calls.length, 2);
    });

    const unavailable: [string, Partial<SubscriberRecordInput> | null, string][] = [
      ['a subscriber the registry does not know', null, 'UNKNOWN_SUBSCRIBER'],
      ['a key not yet approved (INITIATED)', { status: 'INITIATED' }, 'NOT_SUBSCRIBED'],
      ['an unsubscribed key', { status: 'UNSUBSCRIBED' }, 'NOT_SUBSCRIBED'],
      ['a key retired by rotation (EXPIRED)', { status: 'EXPIRED' }, 'EXPIRED'],
      ['a key past its valid_until', { validFrom: new Date(Date.now() - 10 * day), validUntil: new Date(Date.now() - 1_000) }, 'EXPIRED'],
      ['a key before its valid_from', { validFrom: new Date(Date.now() + day), validUntil: new Date(Date.now() + 10 * day) }, 'NOT_YET_VALID'],
    ];
    for (const [name, extra, reason] of unavailable) {
      it(`refuses ${name} with ${reason}`, async () => {
        const id = unique('refused');
        if (extra !== null) await server.registry.upsert([subscriberRecord(id, 'k1', extra)]);
        await assert.rejects(client(localLookupSource(server.registry)).signingKey(id, 'k1'), (error: unknown) => {
          assert.ok(error instanceof KeyUnavailableError);
          assert.equal(error.reason, reason);
          return true;
        });
      });
    }

    it('tells an unknown key of a known subscriber (UNKNOWN_KEY) and caches that briefly, absorbing a flood', async () => {
      const id = unique('flood');
      await server.registry.upsert([subscriberRecord(id, 'k1')]);
      const source = countedSource(localLookupSource(server.registry));
      const registry = client(source, { negativeCacheTtlSeconds: 7 });
      for (let i = 0; i < 10; i += 1) {
        await assert.rejects(registry.signingKey(id, 'bogus'), (error: KeyUnavailableError) => error.reason === 'UNKNOWN_KEY');
      }
      assert.equal(source.calls.length, 2, 'one lookup by key id, one by subscriber, then the negative cache');
      const ttl = await cache.ttl(registryKeyCacheKey(id, 'bogus'));
      assert.ok(ttl !== null && ttl > 0 && ttl <= 7_000, `negative TTL, got ${ttl} ms`);
    });

    it('caches a not-yet-approved key only briefly, and invalidate() makes an approval visible at once', async () => {
      const id = unique('approval');
      const pending = [subscriberRecord(id, 'k1', { status: 'INITIATED' }), subscriberRecord(id, 'k2', { status: 'INITIATED' })];
      await server.registry.upsert(pending);
      const source = countedSource(localLookupSource(server.registry));
      const registry = client(source, { negativeCacheTtlSeconds: 9 });
      for (const key of ['k1', 'k2']) {
        await assert.rejects(registry.signingKey(id, key), (error: KeyUnavailableError) => error.reason === 'NOT_SUBSCRIBED');
        const ttl = await cache.ttl(registryKeyCacheKey(id, key));
        assert.ok(ttl !== null && ttl <= 9_000, `got ${ttl} ms`);
      }
      await server.registry.upsert(pending.map((input) => ({ ...input, status: 'SUBSCRIBED' as const })));

      await registry.invalidate(id, 'k1');
      assert.equal((await registry.signingKey(id, 'k1')).status, 'SUBSCRIBED');
      await assert.rejects(registry.signingKey(id, 'k2'), 'k2 is still served from the cache');
      await registry.invalidate(id);
      assert.equal((await registry.signingKey(id, 'k2')).status, 'SUBSCRIBED');
    });
  });

  describe('over HTTP', () => {
    it('looks keys up at the registry over real HTTP, both naming styles normalised', async () => {
      const id = unique('over-http');
      const stored = subscriberRecord(id, 'k1', { encrPublicKey: randomBytes(32).toString('base64') });
      await server.registry.upsert([stored]);
      const source = httpLookupSource({ url: `${server.baseUrl}/registry/lookup`, timeoutMs: 5_000, retries: 2, logger });
      const raw = await source({ subscriberId: id });
      assert.equal(raw.length, 1);
      assert.ok(Object.hasOwn(raw[0] as object, 'url') && Object.hasOwn(raw[0] as object, 'subscriber_url'));
      const found = await client(source).signingKey(id, 'k1');
      assert.equal(found.signingPublicKey, stored.signingPublicKey);
      assert.equal(found.encrPublicKey, stored.encrPublicKey);
      assert.equal(found.subscriberUrl, stored.subscriberUrl);
    });

    it('retries a 503 and uses the answer that follows', async () => {
      const wire = toWireRecord({
        ...subscriberRecord(unique('after-503'), 'k1'),
        validFrom: new Date(Date.now() - day).toISOString(),
        validUntil: new Date(Date.now() + day).toISOString(),
        status: 'SUBSCRIBED',
        created: null,
        updated: null,
      });
      const scripted = await scriptedServer((_req, res, count) => {
        res.writeHead(count === 1 ? 503 : 200, { 'content-type': 'application/json' });
        res.end(count === 1 ? '{"error":"busy"}' : JSON.stringify([wire]));
      });
      try {
        const source = httpLookupSource({ url: scripted.url, timeoutMs: 5_000, retries: 2, logger, backoffMs: 20 });
        const found = await client(source).signingKey(wire.subscriber_id, 'k1');
        assert.equal(found.signingPublicKey, wire.signing_public_key);
        assert.equal(scripted.requests(), 2);
      } finally {
        await scripted.close();
      }
    });

    it('gives up after timeouts on a registry that never answers: REGISTRY_UNAVAILABLE, not cached', async () => {
      const scripted = await scriptedServer(() => undefined);
      try {
        const source = httpLookupSource({ url: scripted.url, timeoutMs: 300, retries: 1, logger, backoffMs: 20 });
        const registry = client(source);
        const id = unique('silent');
        const started = Date.now();
        await assert.rejects(registry.signingKey(id, 'k1'), (error: unknown) => {
          assert.ok(error instanceof KeyUnavailableError);
          assert.equal(error.reason, 'REGISTRY_UNAVAILABLE');
          assert.ok(error.cause instanceof RegistryUnavailableError);
          return true;
        });
        assert.ok(Date.now() - started < 10_000, 'bounded by the timeouts');
        assert.equal(scripted.requests(), 2);
        assert.equal(await cache.get(registryKeyCacheKey(id, 'k1')), null);
      } finally {
        await scripted.close();
      }
    });

    it('does not retry a 4xx', async () => {
      const scripted = await scriptedServer((_req, res) => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"VALIDATION_FAILED"}}');
      });
      try {
        const source = httpLookupSource({ url: scripted.url, timeoutMs: 5_000, retries: 3, logger, backoffMs: 20 });
        await assert.rejects(source({ subscriberId: 'x.test' }), (error: unknown) => {
          assert.ok(error instanceof RegistryUnavailableError);
          assert.equal(error.status, 400);
          return true;
        });
        await assert.rejects(client(source).signingKey(unique('bad-request'), 'k1'), (error: KeyUnavailableError) => error.reason === 'REGISTRY_UNAVAILABLE');
        assert.equal(scripted.requests(), 2, 'one request per call');
      } finally {
        await scripted.close();
      }
    });

    it('maps a refused connection to REGISTRY_UNAVAILABLE', async () => {
      const scripted = await scriptedServer(() => undefined);
      const { url } = scripted;
      await scripted.close();
      const source = httpLookupSource({ url, timeoutMs: 1_000, retries: 1, logger, backoffMs: 20 });
      await assert.rejects(client(source).signingKey(unique('refused'), 'k1'), (error: KeyUnavailableError) => error.reason === 'REGISTRY_UNAVAILABLE');
    });
  });
});
