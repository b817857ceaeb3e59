import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import {
  auditRoutes,
  createClickHouseAuditStore,
  createFileAuditStore,
  loadPiiRules,
  sql,
  type AuditStore,
} from '../../src/audit/read/index.js';
import { createMemoryCorrelationStore } from '../../src/infra/correlation/index.js';
import { drain, errorHandler, jsonBody, listen, mountRoutes, requireJsonBody, unknownRoute, type RouteSpec } from '../../src/infra/http/index.js';
import { SchemaRegistry } from '../../src/infra/validation/index.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { createRegistryClient, type LookupSource } from '../../src/protocol/registry-client/index.js';
import { createSigner, generateSigningKeyPair, type Signer } from '../../src/protocol/signing/index.js';
import { auditClickHouse, becknBody, messageRecord, quiet, sha256, type BodyFields } from './audit-read-fixtures.js';
import { waitUntil } from '../support/wait-until.js';

export type StoreKind = 'file' | 'clickhouse';

/** Where the API reads from, filled the way the service fills it, with a way to alter a stored body behind the API's back. */
export interface BackingStore {
  store: AuditStore;
  insert(records: readonly MessageRecord[]): Promise<void>;
  tamper(recordId: string, rawBody: string): Promise<void>;
  close(): Promise<void>;
}

export async function backingStore(kind: StoreKind): Promise<BackingStore> {
  if (kind === 'clickhouse') {
    const clickhouse = await auditClickHouse('audit_api');
    const store = createClickHouseAuditStore(clickhouse.client);
    return {
      store,
      insert: clickhouse.insert,
      async tamper(recordId, rawBody) {
        // A mutation rewrites the stored row in place (ClickHouse 18.16 runs it asynchronously).
        await clickhouse.client.command({ query: sql`ALTER TABLE beckn_message_log UPDATE raw_body = ${rawBody} WHERE id = ${recordId}`.text });
        await waitUntil('the ClickHouse mutation applied', async () => (await store.byId(recordId))?.raw_body === rawBody, { timeoutMs: 20_000, intervalMs: 100 });
      },
      close: clickhouse.drop,
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'beckn-ride-test-audit-api-'));
  const path = join(dir, 'message-log.jsonl');
  return {
    store: createFileAuditStore(path, { logger: quiet }),
    async insert(records) {
      await appendFile(path, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    },
    async tamper(recordId, rawBody) {
      const lines = (await readFile(path, 'utf8')).split('\n');
      const altered = lines.map((line) => {
        if (line === '') return line;
        const record = JSON.parse(line) as MessageRecord;
        return record.id === recordId ? JSON.stringify({ ...record, raw_body: rawBody }) : line;
      });
      await writeFile(path, altered.join('\n'));
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A participant with a key the registry lists as valid only from 2030 to 2032, around the test messages' time. */
export interface Participant {
  subscriberId: string;
  type: 'BAP' | 'BPP' | 'BG';
  signer: Signer;
}

function participant(subscriberId: string, type: Participant['type']): Participant {
  const keys = generateSigningKeyPair();
  return { subscriberId, type, signer: createSigner({ subscriberId, uniqueKeyId: 'k1', privateKey: keys.privateKeySeed }) };
}

export const participants = {
  bap: participant('rider-app.test.example', 'BAP'),
  bpp: participant('ride-bpp.test.example', 'BPP'),
  gateway: participant('gateway.test.example', 'BG'),
};

/** The registry's records in its own wire naming; the real client normalises and checks them. */
const registrySource: LookupSource = async (filter) =>
  Object.values(participants)
    .filter((p) => (filter.subscriberId === undefined || p.subscriberId === filter.subscriberId) && (filter.uniqueKeyId === undefined || filter.uniqueKeyId === 'k1'))
    .map((p) => ({
      subscriber_id: p.subscriberId,
      unique_key_id: 'k1',
      type: p.type,
      subscriber_url: `https://${p.subscriberId}/beckn`,
      signing_public_key: p.signer.publicKey,
      valid_from: '2030-01-01T00:00:00.000Z',
      valid_until: '2032-01-01T00:00:00.000Z',
      status: 'SUBSCRIBED',
    }));

export interface SignedOptions extends Partial<BodyFields> {
  action: string;
  startedAt: string;
  signer?: Participant;
  gateway?: Participant;
  message?: unknown;
  overrides?: Partial<MessageRecord>;
}

/** A record of a message signed as the network signs it, a second before it was received. */
export function signedRecord(options: SignedOptions): MessageRecord {
  const callback = options.action.startsWith('on_');
  const signer = options.signer ?? (callback ? participants.bpp : participants.bap);
  const started = Date.parse(options.startedAt);
  const body = becknBody({
    transactionId: options.transactionId ?? 'unset',
    messageId: options.messageId ?? 'unset',
    timestamp: new Date(started - 1_000).toISOString(),
    bapId: participants.bap.subscriberId,
    bppId: participants.bpp.subscriberId,
    ...options,
  });
  const nowSeconds = Math.floor(started / 1000) - 1;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: signer.signer.sign(Buffer.from(body), { nowSeconds }),
  };
  if (options.gateway) headers['x-gateway-authorization'] = options.gateway.signer.sign(Buffer.from(body), { nowSeconds });
  return messageRecord({
    action: options.action,
    started_at: options.startedAt,
    raw_body: body,
    body_sha256: sha256(body),
    headers,
    bap_id: participants.bap.subscriberId,
    bpp_id: participants.bpp.subscriberId,
    sender: signer.subscriberId,
    receiver: callback ? participants.bap.subscriberId : participants.bpp.subscriberId,
    signature: { verdict: 'valid', key_id: `${signer.subscriberId}|k1|ed25519`, gateway_verdict: options.gateway ? 'valid' : 'missing' },
    ...(options.transactionId ? { transaction_id: options.transactionId } : {}),
    ...(options.messageId ? { message_id: options.messageId } : {}),
    ...options.overrides,
  });
}

const token = (label: string) => `${label}-${randomBytes(18).toString('hex')}`;

export interface AuditApi {
  baseUrl: string;
  routes: RouteSpec[];
  tokens: { auditor: string; pii: string; admin: string };
  get(path: string, bearer?: string | null): Promise<Response>;
  post(path: string, bearer?: string | null): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The audit routes served over real HTTP on a free port, through the same
 * edge pieces as the service. `now` is the API's clock (conformance judges
 * ttls against it), since the test messages are dated in the 2030s.
 */
export async function startAuditApi(store: AuditStore, now: Date): Promise<AuditApi> {
  const tokens = { auditor: token('auditor'), pii: token('auditor-pii'), admin: token('admin') };
  const cache = createMemoryCorrelationStore();
  const registry = createRegistryClient({ source: registrySource, cache, cacheTtlSeconds: 60, logger: quiet });
  const routes = auditRoutes({ store, registry, auditorToken: tokens.auditor, piiToken: tokens.pii, piiRules: await loadPiiRules(), logger: quiet, clock: () => now });
  const app = express();
  app.use(requireJsonBody);
  app.use(jsonBody(1024 * 1024));
  mountRoutes(app, routes, { body: new SchemaRegistry(), query: new SchemaRegistry({ coerceTypes: true }) });
  app.use(unknownRoute(routes));
  app.use(errorHandler(quiet));
  const { server, port } = await listen(app, 0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  const call = (method: string) => (path: string, bearer: string | null = tokens.auditor) =>
    fetch(`${baseUrl}${path}`, { method, headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } });
  return {
    baseUrl,
    routes,
    tokens,
    get: call('GET'),
    post: call('POST'),
    async close() {
      await drain(server, 5_000);
      await cache.close();
    },
  };
}
