import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSigner, generateSigningKeyPair, type SigningKey } from '../../src/protocol/signing/index.js';
import { loadExamples, restamp } from '../support/beckn-examples.js';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { testServices, uniqueTestName, uniqueTestPrefix } from '../support/services.js';
import { freePort, testSecrets } from '../support/test-app.js';

/** The rider's subscriber_url: ACKs every callback and counts them by transaction and action. */
export interface CallbackSink {
  url: string;
  count(): number;
  /** Callbacks received per transaction_id. */
  byTransaction(): Map<string, number>;
  close(): Promise<void>;
}

export async function startCallbackSink(): Promise<CallbackSink> {
  const seen = new Map<string, number>();
  let total = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      total += 1;
      try {
        const id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { context?: { transaction_id?: string } }).context?.transaction_id ?? '';
        seen.set(id, (seen.get(id) ?? 0) + 1);
      } catch {
        seen.set('', (seen.get('') ?? 0) + 1);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ message: { ack: { status: 'ACK' } } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/beckn`,
    count: () => total,
    byTransaction: () => seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A full-profile service process on a database of its own, with a rider registered in its dev registry whose callbacks go to `sink`. */
export interface ClusteredService {
  service: ServiceProcess;
  baseUrl: string;
  searchUrl: string;
  databaseUrl: string;
  signingKey: SigningKey;
  template: { context: Record<string, unknown> } & Record<string, unknown>;
  /** Sends one signed search; resolves its transaction_id and the HTTP status and ack. */
  search(): Promise<{ transactionId: string; status: number; ack: string | undefined }>;
  dispose(): Promise<void>;
}

export async function startClusteredService(workers: number, sink: CallbackSink, extraEnv: Record<string, string> = {}): Promise<ClusteredService> {
  const database: FreshDatabase = await freshServerDatabase('workers');
  const dir = mkdtempSync(join(tmpdir(), 'beckn-ride-test-workers-'));
  const pair = generateSigningKeyPair();
  const signingKey: SigningKey = { subscriberId: `workers-test.rider.${randomUUID().slice(0, 8)}`, uniqueKeyId: 'workers-rider-key', privateKey: pair.privateKeySeed };
  const seedFile = join(dir, 'registry-seed.json');
  writeFileSync(
    seedFile,
    JSON.stringify([
      {
        subscriber_id: signingKey.subscriberId,
        unique_key_id: signingKey.uniqueKeyId,
        type: 'BAP',
        subscriber_url: sink.url,
        signing_public_key: pair.publicKey,
        valid_from: new Date(Date.now() - 3_600_000).toISOString(),
        valid_until: new Date(Date.now() + 86_400_000).toISOString(),
        status: 'SUBSCRIBED',
      },
    ]),
  );
  const port = await freePort();
  const started = startServiceProcess(
    {
      ...testSecrets(),
      WORKERS: String(workers),
      PORT: String(port),
      LOG_LEVEL: 'info',
      DATA_DIR: join(dir, 'data'),
      DATABASE_URL: database.url,
      REDIS_URL: testServices.redisUrl,
      REDIS_KEY_PREFIX: uniqueTestPrefix('workers'),
      KAFKA_BROKERS: testServices.kafkaBrokers.join(','),
      CLICKHOUSE_URL: testServices.clickhouseUrl,
      CLICKHOUSE_DATABASE: testServices.clickhouseDatabase,
      KAFKA_MESSAGE_TOPIC: uniqueTestName('workers_messages'),
      KAFKA_MESSAGE_TOPIC_PARTITIONS: '2',
      EVENTS_TOPIC: uniqueTestName('workers_events'),
      EVENTS_TOPIC_PARTITIONS: '1',
      DEMO_NETWORK: 'false',
      REGISTRY_SEED_FILE: seedFile,
      REGISTRY_ALLOW_PRIVATE_URLS: 'true',
      BECKN_RATE_LIMIT_PER_MINUTE: '10000000',
      DELIVERY_POLL_INTERVAL_MS: '50',
      SUPPLY_SNAPSHOT_INTERVAL_SECONDS: '0',
      ...extraEnv,
    },
    180_000,
  );
  const service = await started.catch(async (error: unknown) => {
    await database.dispose();
    throw error;
  });
  const search = loadExamples().find((e) => e.action === 'search' && e.domain === 'ONDC:TRV10');
  if (!search) throw new Error('the ONDC:TRV10 search example is missing');
  const template = restamp(search, {
    bap_id: signingKey.subscriberId,
    bap_uri: sink.url,
    bpp_id: undefined,
    bpp_uri: undefined,
    ttl: 'PT30S',
  }) as ClusteredService['template'];
  const searchUrl = `${service.baseUrl}/beckn/bpp/search`;
  const signer = createSigner(signingKey);
  return {
    service,
    baseUrl: service.baseUrl,
    searchUrl,
    databaseUrl: database.url,
    signingKey,
    template,
    async search() {
      const transactionId = randomUUID();
      const context = { ...template.context, transaction_id: transactionId, message_id: randomUUID(), timestamp: new Date().toISOString() };
      const raw = Buffer.from(JSON.stringify({ ...template, context }), 'utf8');
      const response = await fetch(searchUrl, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', authorization: signer.sign(raw) } });
      const answer = (await response.json().catch(() => ({}))) as { message?: { ack?: { status?: string } } };
      return { transactionId, status: response.status, ack: answer.message?.ack?.status };
    },
    async dispose() {
      if (service.child.exitCode === null && service.child.signalCode === null) {
        service.child.kill('SIGKILL');
        await service.exited;
      }
      await database.dispose();
    },
  };
}

/** The per-worker request counts of the service's /metrics, by worker slot. */
export async function workerRequests(baseUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/^beckn_ride_worker_http_requests_total\{worker="(\d+)"\} (\S+)$/gm)) counts.set(match[1] as string, Number(match[2]));
  return counts;
}
