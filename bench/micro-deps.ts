/**
 * The inbound pipeline's dependencies as the embedded profile builds them
 * (src/context.ts without Redis): the in-memory correlation store (duplicate
 * claims, the registry key cache behind the in-process one), the in-memory
 * rate limiter and the real schema validator. The registry answers from a
 * record held here, as the dev registry would; its answer is cached after the
 * first lookup, so the measured loop never reaches it.
 */
import { randomBytes } from 'node:crypto';
import { createMemoryCorrelationStore } from '../src/infra/correlation/index.js';
import { createLogger } from '../src/infra/logging/logger.js';
import { createMetrics } from '../src/infra/metrics/index.js';
import { createMemoryRateLimiter } from '../src/infra/rate-limit/index.js';
import type { InboundDeps } from '../src/protocol/inbound/inbound-deps.js';
import { createBecknValidator, type MessageLog } from '../src/protocol/index.js';
import { createRegistryClient, type SubscriberRecord } from '../src/protocol/registry-client/index.js';
import { generateSigningKeyPair, type SigningKey } from '../src/protocol/signing/index.js';
import { toWireRecord } from '../registry/index.js';

export interface MicroDeps {
  deps: InboundDeps;
  /** The rider whose key signs every search, registered in `deps.registry`. */
  riderKey: SigningKey;
  riderUrl: string;
  ourBpp: { subscriberId: string; subscriberUrl: string };
  close(): Promise<void>;
}

const unusedLog: MessageLog = {
  append: () => Promise.reject(new Error('the microbenchmark runs the steps only; nothing is appended')),
  flush: async () => undefined,
  close: async () => undefined,
};

export function microDeps(): MicroDeps {
  const pair = generateSigningKeyPair();
  const riderKey: SigningKey = { subscriberId: `bench-rider.${randomBytes(3).toString('hex')}`, uniqueKeyId: 'bench-rider-key', privateKey: pair.privateKeySeed };
  const riderUrl = 'https://rider.bench.example/beckn';
  const now = Date.now();
  const rider: SubscriberRecord = {
    subscriberId: riderKey.subscriberId,
    uniqueKeyId: riderKey.uniqueKeyId,
    type: 'BAP',
    domain: null,
    city: null,
    country: null,
    subscriberUrl: riderUrl,
    signingPublicKey: pair.publicKey,
    encrPublicKey: null,
    validFrom: new Date(now - 3_600_000).toISOString(),
    validUntil: new Date(now + 86_400_000).toISOString(),
    status: 'SUBSCRIBED',
    created: null,
    updated: null,
  };
  const correlation = createMemoryCorrelationStore({ prefix: 'bench:' });
  const logger = createLogger('silent');
  const ourBpp = { subscriberId: 'bench.bpp', subscriberUrl: 'https://bpp.bench.example/beckn/bpp' };
  const registry = createRegistryClient({
    source: async (filter) => (filter.subscriberId === rider.subscriberId ? [toWireRecord(rider)] : []),
    cache: correlation,
    cacheTtlSeconds: 300,
    logger,
  });
  const deps: InboundDeps = {
    registry,
    validator: createBecknValidator(),
    correlation,
    rateLimiter: createMemoryRateLimiter(),
    messageLog: unusedLog,
    // Asked only for a repeated message_id, which this benchmark never sends.
    acceptedBodySha256: async () => null,
    metrics: createMetrics(),
    logger,
    clock: () => new Date(),
    settings: {
      identities: { bap: { subscriberId: 'bench.bap', subscriberUrl: 'https://bap.bench.example/beckn/bap' }, bpp: ourBpp, gateway: { subscriberId: 'bench.bg', subscriberUrl: 'https://bg.bench.example/beckn/gateway' } },
      clockSkewSeconds: 5,
      maxBodyBytes: 1_048_576,
      duplicateWindowSeconds: 86_400,
      rateLimit: { limit: 100_000_000, windowMs: 60_000 },
      refusalLimit: { limit: 60, windowMs: 60_000 },
      cities: [],
    },
  };
  return { deps, riderKey, riderUrl, ourBpp, close: () => correlation.close() };
}
