import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { get, type IncomingMessage } from 'node:http';
import { createClickHouseAuditStore, type AuditStore } from '../../src/audit/read/index.js';
import { createClickHouse } from '../../src/infra/clickhouse/index.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { testServices, uniqueTestName } from '../support/services.js';
import { waitUntil } from '../support/wait-until.js';
import { backingStore, startAuditApi, type AuditApi, type BackingStore, type StoreKind } from './audit-api-server.js';
import { messageRecord, ridePayload } from './audit-read-fixtures.js';

const base = Date.UTC(2031, 8, 1, 0, 0, 0);
const at = (offsetMs: number) => new Date(base + offsetMs).toISOString();
const range = (fromMs: number, toMs: number) => `from=${encodeURIComponent(at(fromMs))}&to=${encodeURIComponent(at(toMs))}`;
const hour = 3_600_000;

/** RFC 4180 rows (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else field += char;
  }
  assert.equal(field, '', 'the CSV does not end with a line break');
  return rows;
}

function until(condition: () => boolean, what: string): Promise<void> {
  return waitUntil(what, condition, { timeoutMs: 30_000, intervalMs: 100 });
}

for (const kind of ['file', 'clickhouse'] as StoreKind[]) {
  describe(`audit export over real HTTP (${kind} store)`, function () {
    this.timeout(180_000);
    let backing: BackingStore;
    let api: AuditApi;
    let pulled = 0;
    /** Exports whose read of the store ended, by running out or by the API letting go of it. */
    let exportsEnded = 0;

    const withPii = messageRecord({ started_at: at(1_000), raw_body: JSON.stringify({ context: { action: 'on_confirm' }, message: ridePayload }) });
    const awkward = messageRecord({
      started_at: at(2_000),
      ack: 'NACK',
      error_code: '30000',
      error_message: '=HYPERLINK("http://evil.example","click"), then "quote"\nand a new line',
    });
    const plain = messageRecord({ started_at: at(3_000), action: 'select' });
    const small = [withPii, awkward, plain];
    const bulkCount = 8_000;
    const padding = 'p'.repeat(4_000);

    before(async () => {
      backing = await backingStore(kind);
      const bulk = Array.from({ length: bulkCount }, (_, index) =>
        messageRecord({ started_at: at(2 * hour + index), raw_body: JSON.stringify({ context: { action: 'search' }, message: { padding } }) }),
      );
      await backing.insert(small);
      for (let offset = 0; offset < bulk.length; offset += 2_000) await backing.insert(bulk.slice(offset, offset + 2_000));
      // The real store, counting the records the API pulls from it.
      const counting: AuditStore = {
        ...backing.store,
        export: (filter) => ({
          async *[Symbol.asyncIterator]() {
            try {
              for await (const record of backing.store.export(filter)) {
                pulled += 1;
                yield record;
              }
            } finally {
              exportsEnded += 1;
            }
          },
        }),
      };
      api = await startAuditApi(counting, new Date(base + 10 * hour));
    });

    after(async () => {
      await api?.close();
      await backing?.close();
    });

    it('streams NDJSON: chunked, one parseable record per line, bodies masked for the auditor', async () => {
      const response = await api.get(`/audit/export?${range(0, hour)}&format=ndjson`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'application/x-ndjson; charset=utf-8');
      assert.equal(response.headers.get('transfer-encoding'), 'chunked');
      assert.equal(response.headers.get('content-length'), null);
      const text = await response.text();
      assert.ok(text.endsWith('\n'));
      const records = text.trimEnd().split('\n').map((line) => JSON.parse(line) as MessageRecord & { body_view: string });
      assert.deepEqual(records.map((record) => record.id).sort(), small.map((record) => record.id).sort());
      const masked = records.find((record) => record.id === withPii.id);
      assert.equal(masked?.body_view, 'masked');
      assert.ok(!masked?.raw_body.includes('9876543210'));

      const raw = await (await api.get(`/audit/export?${range(0, hour)}`, api.tokens.pii)).text();
      const rawRecord = raw.trimEnd().split('\n').map((line) => JSON.parse(line) as MessageRecord).find((record) => record.id === withPii.id);
      assert.equal(rawRecord?.raw_body, withPii.raw_body);
    });

    it('streams CSV: a header row, one row per record, awkward text quoted and formulas neutralised', async () => {
      const response = await api.get(`/audit/export?${range(0, hour)}&format=csv&status=NACK`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8');
      assert.match(response.headers.get('content-disposition') ?? '', /attachment; filename="beckn-messages-.*\.csv"/);
      const [header, ...rows] = parseCsv(await response.text());
      assert.ok(header);
      assert.equal(rows.length, 1);
      const row = Object.fromEntries(header.map((name, index) => [name, rows[0]?.[index]]));
      assert.equal(row.id, awkward.id);
      assert.equal(row.ack, 'NACK');
      assert.equal(row.error_message, `'${awkward.error_message}`);
      assert.deepEqual(JSON.parse(row.headers as string), awkward.headers);
      assert.equal(row.raw_body, awkward.raw_body);

      const all = parseCsv(await (await api.get(`/audit/export?${range(0, hour)}&format=csv`)).text());
      assert.equal(all.length, 1 + small.length);
      assert.ok(all.every((fields) => fields.length === header.length));
    });

    it('reads the store only as fast as the client reads: a stalled client holds the export back, then gets every line', async () => {
      pulled = 0;
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        get(`${api.baseUrl}/audit/export?${range(2 * hour, 3 * hour)}`, { headers: { authorization: `Bearer ${api.tokens.pii}` } }, resolve).on('error', reject);
      });
      response.pause();
      assert.equal(response.statusCode, 200);
      // Wait until the server stops pulling: the socket buffers are full and nobody reads them.
      let last = -1;
      let steadySince = Date.now();
      await until(() => {
        if (pulled !== last) {
          last = pulled;
          steadySince = Date.now();
        }
        return pulled > 0 && Date.now() - steadySince > 1_500;
      }, 'the export to stall');
      assert.ok(pulled < bulkCount / 2, `the server pulled ${pulled} of ${bulkCount} records for a client that read nothing`);

      let lines = 0;
      let tail = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const parts = (tail + chunk).split('\n');
        tail = parts.pop() ?? '';
        lines += parts.length;
      });
      response.resume();
      await new Promise((resolve) => response.on('end', resolve));
      assert.equal(tail, '');
      assert.equal(lines, bulkCount);
      assert.equal(pulled, bulkCount);
    });

    it("exports a transaction in the input shape of ONDC's log validation service: each message once, repeated actions keyed by state or rank", async () => {
      const transactionId = randomUUID();
      const state = (code: string) => ({ order: { id: 'O1', fulfillments: [{ id: 'F1', state: { descriptor: { code } } }] } });
      let offset = 5 * hour;
      const step = (action: string, message: unknown = {}, overrides: Parameters<typeof messageRecord>[0] = {}) =>
        messageRecord({ started_at: at((offset += 1_000)), action, transaction_id: transactionId, body: { action, transactionId, message }, ...overrides });
      const search = step('search');
      const sentSearch = { ...search, id: randomUUID(), direction: 'outbound' as const, role: 'bap' as const, started_at: at(offset - 500) };
      const refusedSelect = step('select', { refused: true }, { ack: 'NACK', error_code: '30000' });
      const flow = [
        search,
        step('on_search'),
        refusedSelect,
        step('select'),
        step('on_select'),
        step('init'),
        step('on_init'),
        step('confirm'),
        step('on_confirm', ridePayload),
        step('on_status', state('RIDE_ARRIVED_PICKUP')),
        step('on_status', state('RIDE_STARTED')),
        step('on_status'),
        step('on_update', state('RIDE_ENDED')),
      ];
      await backing.insert([...flow, sentSearch]);

      const response = await api.get(`/audit/transactions/${transactionId}/ondc-log?flow=RIDE_1`, api.tokens.pii);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-audit-omitted-records'), '1', 'the refused select; the search sent and received is one message');
      const log = (await response.json()) as { domain: string; version: string; flow: string; bap_id: string; bpp_id: string; payload: Record<string, unknown> };
      assert.deepEqual(Object.keys(log).sort(), ['bap_id', 'bpp_id', 'domain', 'flow', 'payload', 'version']);
      assert.deepEqual(
        { domain: log.domain, version: log.version, flow: log.flow, bap_id: log.bap_id, bpp_id: log.bpp_id },
        { domain: 'ONDC:TRV10', version: '2.0.1', flow: 'RIDE_1', bap_id: 'bap.test.example', bpp_id: 'bpp.test.example' },
      );
      assert.deepEqual(Object.keys(log.payload), [
        'search', 'on_search', 'select', 'on_select', 'init', 'on_init', 'confirm', 'on_confirm',
        'on_status_ride_arrived_pickup', 'on_status_ride_started', 'on_status_3', 'on_update',
      ]);
      const kept = flow.filter((record) => record !== refusedSelect);
      assert.deepEqual(Object.values(log.payload), kept.map((record) => JSON.parse(record.raw_body) as unknown));

      const masked = await api.get(`/audit/transactions/${transactionId}/ondc-log`);
      assert.equal(masked.status, 200);
      const maskedLog = (await masked.json()) as { flow: string; payload: Record<string, unknown> };
      assert.equal(maskedLog.flow, '');
      assert.ok(maskedLog.payload.on_confirm !== undefined);
      assert.ok(!JSON.stringify(maskedLog.payload).includes('9876543210'), 'the auditor role sees masked bodies');
      assert.equal((await api.get(`/audit/transactions/${randomUUID()}/ondc-log`)).status, 404);
      assert.equal((await api.get(`/audit/transactions/${transactionId}/ondc-log?flow=${encodeURIComponent('a b')}`)).status, 400);
    });

    it('stops reading the store when the client goes away mid-export, and keeps serving', async () => {
      pulled = 0;
      const endedBefore = exportsEnded;
      await new Promise<void>((resolve, reject) => {
        const request = get(`${api.baseUrl}/audit/export?${range(2 * hour, 3 * hour)}`, { headers: { authorization: `Bearer ${api.tokens.pii}` } }, (response) => {
          response.once('data', () => {
            request.destroy();
            resolve();
          });
        });
        request.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)));
      });
      await until(() => pulled > 0, 'the export to start');
      const settled = pulled;
      await until(() => exportsEnded > endedBefore, 'the API to let go of the store read');
      assert.ok(pulled < bulkCount, `pulled ${pulled} after the client left`);
      assert.ok(pulled - settled < bulkCount / 2);
      const again = await api.get(`/audit/transactions/${randomUUID()}`);
      assert.equal(again.status, 404);
    });
  });
}

describe('audit export when the store cannot answer', function () {
  this.timeout(30_000);

  it('answers a JSON 500 before any byte of the export is sent', async () => {
    // A client bound to a database that does not exist: every query fails on the real server.
    const client = createClickHouse({ url: testServices.clickhouseUrl, database: uniqueTestName('audit_missing') });
    const api = await startAuditApi(createClickHouseAuditStore(client), new Date(base));
    try {
      const response = await api.get(`/audit/export?${range(0, hour)}&format=csv`);
      assert.equal(response.status, 500);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'INTERNAL');
    } finally {
      await api.close();
      await client.close();
    }
  });
});
