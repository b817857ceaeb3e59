import { createHash, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createClickHouse, ensureDatabase, runClickHouseMigrations, type ClickHouseClient } from '../../src/infra/clickhouse/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { messageRowColumns, toMessageRow } from '../../src/audit/message-row.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { testServices, uniqueTestName } from '../support/services.js';

export const quiet = createLogger('silent');
const migrationsDir = fileURLToPath(new URL('../../migrations/clickhouse/', import.meta.url));

export interface BodyFields {
  action: string;
  transactionId: string;
  messageId: string;
  timestamp: string;
  ttl?: string;
  bapId?: string;
  bppId?: string;
  message?: unknown;
}

/** A Beckn body as bytes are sent: context first, then message. */
export function becknBody(fields: BodyFields): string {
  return JSON.stringify({
    context: {
      domain: 'ONDC:TRV10',
      action: fields.action,
      version: '2.0.1',
      bap_id: fields.bapId ?? 'bap.test.example',
      bap_uri: 'https://bap.test.example/beckn',
      bpp_id: fields.bppId ?? 'bpp.test.example',
      bpp_uri: 'https://bpp.test.example/beckn',
      transaction_id: fields.transactionId,
      message_id: fields.messageId,
      timestamp: fields.timestamp,
      ttl: fields.ttl ?? 'PT30S',
    },
    message: fields.message ?? {},
  });
}

export const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');

export type RecordOverrides = Partial<Omit<MessageRecord, 'signature'>> & {
  signature?: Partial<MessageRecord['signature']>;
  /** Beckn body fields; raw_body and body_sha256 follow from them unless given. */
  body?: Partial<BodyFields>;
};

/**
 * A message record as the pipeline writes it: whole-millisecond times,
 * integer latency, body bytes matching their SHA-256.
 */
export function messageRecord(overrides: RecordOverrides = {}): MessageRecord {
  const { body, signature, ...fields } = overrides;
  const started = new Date(fields.started_at ?? '2031-03-04T05:06:07.000Z');
  const latency = fields.latency_ms ?? 12;
  const action = fields.action ?? body?.action ?? 'search';
  const transactionId = fields.transaction_id ?? body?.transactionId ?? randomUUID();
  const messageId = fields.message_id ?? body?.messageId ?? randomUUID();
  const rawBody =
    fields.raw_body ??
    becknBody({ action, transactionId, messageId, timestamp: started.toISOString(), ...body });
  const callback = action.startsWith('on_');
  return {
    id: randomUUID(),
    direction: 'inbound',
    role: callback ? 'bap' : 'bpp',
    action,
    url: `https://ride.test.example/beckn/${callback ? 'bap' : 'bpp'}/${action}`,
    transaction_id: transactionId,
    message_id: messageId,
    domain: 'ONDC:TRV10',
    city: 'std:080',
    bap_id: 'bap.test.example',
    bpp_id: 'bpp.test.example',
    sender: callback ? 'bpp.test.example' : 'bap.test.example',
    receiver: callback ? 'bap.test.example' : 'bpp.test.example',
    raw_body: rawBody,
    body_encoding: 'utf8',
    body_truncated: false,
    body_sha256: sha256(fields.body_encoding === 'base64' ? Buffer.from(rawBody, 'base64') : rawBody),
    headers: { 'content-type': 'application/json' },
    ack: 'ACK',
    error_code: null,
    error_type: null,
    error_message: null,
    http_status: 200,
    duplicate: false,
    attempt: 1,
    latency_ms: latency,
    ...fields,
    started_at: started.toISOString(),
    finished_at: fields.finished_at ?? new Date(started.getTime() + latency).toISOString(),
    signature: { verdict: 'valid', key_id: null, gateway_verdict: 'missing', gateway_key_id: null, ...signature },
  };
}

export interface AuditClickHouse {
  client: ClickHouseClient;
  database: string;
  insert(records: readonly MessageRecord[]): Promise<void>;
  drop(): Promise<void>;
}

/** A migrated database of its own for one suite, filled the way the audit sink fills it. */
export async function auditClickHouse(label: string): Promise<AuditClickHouse> {
  const database = uniqueTestName(label);
  await ensureDatabase(testServices.clickhouseUrl, database);
  const client = createClickHouse({ url: testServices.clickhouseUrl, database });
  await runClickHouseMigrations(client, migrationsDir, quiet);
  return {
    client,
    database,
    async insert(records) {
      if (records.length === 0) return;
      await client.insert({
        table: 'beckn_message_log',
        values: records.map(toMessageRow),
        columns: [...messageRowColumns] as [string, ...string[]],
        format: 'JSONEachRow',
      });
    },
    async drop() {
      try {
        await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      } finally {
        await client.close();
      }
    },
  };
}

/** An ONDC on_confirm fragment with the PII a ride carries: rider and driver names and phones, billing. */
export const ridePayload = {
  order: {
    id: 'O1',
    billing: { name: 'Asha Verma', phone: '+91-9876543210', email: 'asha.verma@example.com', address: { door: '12', city: 'Bengaluru' } },
    fulfillments: [
      {
        id: 'F1',
        customer: { person: { name: 'Asha Verma', language: { name: 'Hindi' } }, contact: { phone: '9876543210' } },
        agent: { person: { name: 'Ravi K Singh' }, contact: { phone: 9123456789 } },
        stops: [{ type: 'START', location: { gps: '12.9,77.6', city: { name: 'Bengaluru' } } }],
        state: { descriptor: { code: 'RIDE_ASSIGNED', name: 'Driver assigned' } },
      },
    ],
    provider: { descriptor: { name: 'City Cabs' } },
  },
  note: 'write to ravi.singh@example.org if lost',
};
