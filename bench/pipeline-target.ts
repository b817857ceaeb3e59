import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { Registry } from '../registry/index.js';
import { parseIsoDuration } from '../src/protocol/inbound/index.js';
import { generateSigningKeyPair, type SigningKey } from '../src/protocol/signing/index.js';
import { loadExamples, restamp } from '../test/support/beckn-examples.js';
import { startBecknHarness } from '../test/support/beckn-harness.js';
import { testServices } from '../test/support/services.js';
import { backlogReader, pushHarnessTeardown, teardownStack, type Backlog } from './bench-target.js';
import type { LoadSpec } from './load-run.js';

export interface PipelineTarget {
  /** Our BPP's search endpoint. */
  url: string;
  bodyLimitBytes: number;
  /** The bench rider's key, registered in the dev registry. */
  signingKey: SigningKey;
  template: LoadSpec['template'];
  backlog(): Promise<Backlog>;
  /** on_search callbacks our BPP has delivered to the bench rider. */
  callbacksReceived(): number;
  /** The BPP inbox's load as the service's admission check last sampled it (its metrics, no query); null before a sample. */
  inboxLoad(): Promise<{ pending: number; oldestWaitSeconds: number } | null>;
  /** The searches our BPP accepted since `since`, held against the time their on_search reached the rider. */
  callbackTimeliness(since: Date): Promise<CallbackTimeliness>;
  messageLogBytes(): number;
  close(): Promise<void>;
}

export interface CallbackTimeliness {
  /** Searches the inbox accepted (each was ACKed). */
  searches: number;
  /** Of them, those whose on_search reached the rider. */
  answered: number;
  /** on_search received after the search's timestamp plus its ttl. */
  late: number;
  /** How far after its deadline the latest one arrived, in ms (0 when none was late). */
  worstLateMs: number;
}

const ack = JSON.stringify({ message: { ack: { status: 'ACK' } } });

/** The bench rider's subscriber_url: answers every callback ACK, counts it and notes when the first one of each message_id arrived. */
async function startCallbackSink(): Promise<{ server: Server; url: string; count(): number; arrivals: Map<string, number> }> {
  let received = 0;
  const arrivals = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = Date.now();
      received += 1;
      try {
        const messageId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { context?: { message_id?: string } }).context?.message_id;
        if (messageId && !arrivals.has(messageId)) arrivals.set(messageId, at);
      } catch {
        // Counted all the same; a callback that is not JSON has no deadline to check.
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(ack);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/beckn`, count: () => received, arrivals };
}

/**
 * Each search the inbox holds since `since` (its message_id, and its deadline
 * read from the body as sent: context.timestamp plus context.ttl), against
 * when its on_search arrived.
 */
function timelinessReader(sequelize: Sequelize, arrivals: Map<string, number>): (since: Date) => Promise<CallbackTimeliness> {
  return async (since) => {
    const rows = await sequelize.query<{ message_id: string; timestamp: string; ttl: string }>(
      `SELECT message_id, ctx ->> 'timestamp' AS timestamp, ctx ->> 'ttl' AS ttl
         FROM (SELECT message_id, convert_from(body, 'UTF8')::jsonb -> 'context' AS ctx
                 FROM beckn_protocol.inbox WHERE role = 'bpp' AND action = 'search' AND received_at >= $1) searches`,
      { bind: [since], type: QueryTypes.SELECT },
    );
    const timeliness: CallbackTimeliness = { searches: rows.length, answered: 0, late: 0, worstLateMs: 0 };
    for (const row of rows) {
      const arrived = arrivals.get(row.message_id);
      if (arrived === undefined) continue;
      timeliness.answered += 1;
      const ttlMs = parseIsoDuration(row.ttl);
      if (ttlMs === null) throw new Error(`search ${row.message_id} has a ttl that is not an ISO-8601 duration: ${row.ttl}`);
      const lateMs = arrived - (Date.parse(row.timestamp) + ttlMs);
      if (lateMs > 0) {
        timeliness.late += 1;
        timeliness.worstLateMs = Math.max(timeliness.worstLateMs, lateMs);
      }
    }
    return timeliness;
  };
}

/**
 * A database of its own for one bench run: the rows of a few hundred thousand
 * messages stay out of the test database, and no other process's inbox worker
 * can pick them up while we measure.
 */
async function createBenchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `beckn_ride_bench_${randomBytes(4).toString('hex')}`;
  const admin = new URL(testServices.databaseUrl);
  admin.pathname = '/postgres';
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(testServices.databaseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function registerRider(registry: Registry, sinkUrl: string): Promise<SigningKey> {
  const pair = generateSigningKeyPair();
  const key: SigningKey = { subscriberId: `bench-rider.${randomBytes(3).toString('hex')}`, uniqueKeyId: 'bench-rider-key', privateKey: pair.privateKeySeed };
  await registry.upsert([
    {
      subscriberId: key.subscriberId,
      uniqueKeyId: key.uniqueKeyId,
      type: 'BAP',
      domain: null,
      city: null,
      country: null,
      subscriberUrl: sinkUrl,
      signingPublicKey: pair.publicKey,
      encrPublicKey: null,
      validFrom: new Date(Date.now() - 3_600_000),
      validUntil: new Date(Date.now() + 86_400_000),
    },
  ]);
  return key;
}

/**
 * Our service on the full profile (real Postgres, Redis, Kafka, ClickHouse),
 * booted by the test harness, with a BPP search handler that answers an error
 * at once (so each callback is cheap) and a bench rider registered in the dev
 * registry whose key the load generator signs with.
 */
export async function startPipelineTarget(): Promise<PipelineTarget> {
  const teardown = teardownStack('bench pipeline');
  try {
    const database = await createBenchDatabase();
    teardown.push(() => database.drop());
    const sink = await startCallbackSink();
    teardown.push(() => new Promise((resolve) => sink.server.close(resolve)));
    const net = await startBecknHarness({
      env: { DATABASE_URL: database.url, BECKN_RATE_LIMIT_PER_MINUTE: '10000000', DELIVERY_POLL_INTERVAL_MS: '250' },
      beforeStart: (ctx) => {
        ctx.beckn.protocol.handlers.onRequest('search', async () => ({ error: { code: '40001', message: 'no rides in this benchmark' } }));
      },
    });
    pushHarnessTeardown(teardown, net);
    const { ctx } = net.app;
    if (!ctx.beckn.registry) throw new Error('the full profile should serve the dev registry');
    const signingKey = await registerRider(ctx.beckn.registry, sink.url);
    const search = loadExamples().find((e) => e.action === 'search' && e.domain === 'ONDC:TRV10');
    if (!search) throw new Error('the ONDC:TRV10 search example is missing');
    const template = restamp(search, net.toOurBpp({ bpp_id: undefined, bpp_uri: undefined, bap_id: signingKey.subscriberId, bap_uri: sink.url }));

    return {
      url: `${net.ourBpp.url}/search`,
      bodyLimitBytes: ctx.config.http.bodyLimitBytes,
      signingKey,
      template,
      backlog: backlogReader(ctx.sequelize),
      callbacksReceived: () => sink.count(),
      inboxLoad: async () => {
        const read = async (name: string) => (await ctx.metrics.registry.getSingleMetric(name)?.get())?.values.find((v) => v.labels.role === 'bpp')?.value;
        const [pending, oldestWaitSeconds] = await Promise.all([read('beckn_ride_inbox_pending'), read('beckn_ride_inbox_oldest_wait_seconds')]);
        return pending === undefined || oldestWaitSeconds === undefined ? null : { pending, oldestWaitSeconds };
      },
      callbackTimeliness: timelinessReader(ctx.sequelize, sink.arrivals),
      messageLogBytes: () => statSync(ctx.config.beckn.messageLogFile).size,
      close: () => teardown.run(),
    };
  } catch (error) {
    await teardown.run().catch(() => undefined);
    throw error;
  }
}
