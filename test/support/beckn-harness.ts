import { registerBap } from '../../src/bap/index.js';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawEnv } from '../../src/config/index.js';
import type { AppContext } from '../../src/context.js';
import { readFileMessageLog, type MessageRecord } from '../../src/protocol/index.js';
import { startFakeParticipant, type FakeParticipant } from './fake-participant.js';
import { freePort, fullProfileEnv, startTestApp, type TestApp } from './test-app.js';
import { waitFor } from './wait-until.js';

export interface BecknHarness {
  app: TestApp;
  /** Network participants played by the test, registered through REGISTRY_SEED_FILE. */
  bap: FakeParticipant;
  bpp: FakeParticipant;
  ourBpp: { id: string; url: string };
  ourBap: { id: string; url: string };
  ourGatewayUrl: string;
  messageLogFile: string;
  /** Context fields that address a request from the fake BAP to our BPP. */
  toOurBpp(extra?: Record<string, unknown>): Record<string, unknown>;
  records(): Promise<MessageRecord[]>;
  recordFor(requestId: string, timeoutMs?: number): Promise<MessageRecord>;
  close(): Promise<void>;
}

/**
 * Our service (every role, in-process registry, real stores) on a known port,
 * plus a fake BAP and a fake BPP with their own keys and HTTP servers.
 */
export async function startBecknHarness(
  options: {
    env?: RawEnv;
    extraParticipants?: FakeParticipant[];
    beforeStart?: (ctx: AppContext) => void;
    withKafka?: boolean;
    /** false: no rider-side callback handlers, so callbacks to our BAP only go through the protocol layer (and the inbox). */
    riderSide?: boolean;
  } = {},
): Promise<BecknHarness> {
  const bap = await startFakeParticipant('BAP', 'rider-app');
  const bpp = await startFakeParticipant('BPP', 'cab-co');
  const dir = mkdtempSync(join(tmpdir(), 'beckn-ride-test-network-'));
  const seedFile = join(dir, 'seed.json');
  const seed = [bap, bpp, ...(options.extraParticipants ?? [])].map((p) => p.registryRecord(p.type === 'BPP' ? { domain: 'ONDC:TRV10', city: 'std:080', country: 'IND' } : {}));
  writeFileSync(seedFile, JSON.stringify(seed));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const suffix = randomUUID().slice(0, 8);
  const messageLogFile = join(dir, 'message-log.jsonl');
  // Without Kafka the message log is the local file `records()` reads back; with it, the log flows to Kafka.
  const env = fullProfileEnv({
    PORT: String(port),
    PUBLIC_URL: base,
    REGISTRY_SEED_FILE: seedFile,
    MESSAGE_LOG_FILE: messageLogFile,
    BAP_SUBSCRIBER_ID: `beckn-ride-test.bap.${suffix}`,
    BPP_SUBSCRIBER_ID: `beckn-ride-test.bpp.${suffix}`,
    GATEWAY_SUBSCRIBER_ID: `beckn-ride-test.gateway.${suffix}`,
    DELIVERY_BASE_BACKOFF_MS: '50',
    DELIVERY_MAX_BACKOFF_MS: '500',
    DELIVERY_POLL_INTERVAL_MS: '50',
    ...options.env,
  });
  if (!options.withKafka) delete env.KAFKA_BROKERS;
  const app = await startTestApp(env, {}, undefined, (ctx) => {
    options.beforeStart?.(ctx);
    if (options.riderSide !== false) registerBap(ctx, ctx.bap);
  });
  const { subscriberIds } = app.ctx.config.beckn;
  const ourBpp = { id: subscriberIds.bpp, url: `${base}/beckn/bpp` };
  const ourBap = { id: subscriberIds.bap, url: `${base}/beckn/bap` };

  const records = async () => {
    const all: MessageRecord[] = [];
    for await (const record of readFileMessageLog(messageLogFile)) all.push(record);
    return all;
  };

  return {
    app,
    bap,
    bpp,
    ourBpp,
    ourBap,
    ourGatewayUrl: `${base}/beckn/gateway`,
    messageLogFile,
    toOurBpp: (extra = {}) => ({
      bap_id: bap.subscriberId,
      bap_uri: bap.url,
      bpp_id: ourBpp.id,
      bpp_uri: ourBpp.url,
      transaction_id: randomUUID(),
      message_id: randomUUID(),
      timestamp: new Date().toISOString(),
      ttl: 'PT30S',
      ...extra,
    }),
    records,
    recordFor: (requestId, timeoutMs = 5_000) =>
      waitFor(`a message log record for request ${requestId}`, async () => (await records()).find((r) => r.headers['x-request-id'] === requestId), { timeoutMs, intervalMs: 50 }),
    async close() {
      await app.close();
      await Promise.all([bap.close(), bpp.close(), ...(options.extraParticipants ?? []).map((p) => p.close())]);
    },
  };
}
