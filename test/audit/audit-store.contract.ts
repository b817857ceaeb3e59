import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AppError } from '../../src/infra/http/index.js';
import type { AuditStore, MessagesQuery } from '../../src/audit/read/index.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { messageRecord } from './audit-read-fixtures.js';

export interface StoreUnderTest {
  store: AuditStore;
  /** Stores records the way the running service would (the log file, or the sink's insert). */
  insert(records: readonly MessageRecord[]): Promise<void>;
  close(): Promise<void>;
}

const day = 86_400_000;
let windows = 0;

/** A stretch of time no other test of the suite writes into, so each test's filters see only its own records. */
function freshWindow(): { base: number; from: Date; to: Date; at: (offsetMs: number) => string } {
  windows += 1;
  const base = Date.UTC(2031, 0, 1) + windows * 2 * day;
  return { base, from: new Date(base), to: new Date(base + day), at: (offsetMs) => new Date(base + offsetMs).toISOString() };
}

const byPosition = (a: MessageRecord, b: MessageRecord) =>
  Date.parse(a.started_at) - Date.parse(b.started_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const ids = (records: readonly MessageRecord[]) => records.map((record) => record.id);

async function allPages(store: AuditStore, query: Omit<MessagesQuery, 'cursor'>, between?: (page: number) => Promise<void>) {
  const seen: MessageRecord[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page += 1) {
    const result = await store.messages({ ...query, ...(cursor === undefined ? {} : { cursor }) });
    assert.ok(result.records.length <= query.limit);
    seen.push(...result.records);
    if (result.nextCursor === null) return seen;
    cursor = result.nextCursor;
    await between?.(page);
  }
  throw new Error('pagination did not end');
}

async function collect(iterable: AsyncIterable<MessageRecord>): Promise<MessageRecord[]> {
  const records: MessageRecord[] = [];
  for await (const record of iterable) records.push(record);
  return records;
}

/** What every AuditStore adapter must do, run against each over its real storage. */
export function auditStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`AuditStore contract: ${name}`, function () {
    this.timeout(60_000);
    let subject: StoreUnderTest;
    let store: AuditStore;

    before(async () => {
      subject = await open();
      store = subject.store;
    });

    after(async () => {
      await subject?.close();
    });

    it('returns a transaction in started order (ties by id), only its own records, and nothing for an unknown id', async () => {
      const window = freshWindow();
      const transactionId = randomUUID();
      const records = [
        messageRecord({ transaction_id: transactionId, action: 'on_search', started_at: window.at(2_000) }),
        messageRecord({ transaction_id: transactionId, action: 'search', started_at: window.at(0) }),
        messageRecord({ transaction_id: transactionId, action: 'select', started_at: window.at(1_000) }),
        messageRecord({ transaction_id: transactionId, action: 'select', started_at: window.at(1_000), direction: 'outbound' }),
      ];
      await subject.insert([...records, messageRecord({ started_at: window.at(500) })]);
      const found = await store.transaction(transactionId);
      assert.deepEqual(ids(found), ids([...records].sort(byPosition)));
      assert.deepEqual(await store.transaction(randomUUID()), []);
    });

    it('finds a record by id exactly as it was stored, base64 bodies and NACK details included', async () => {
      const window = freshWindow();
      const binary = Buffer.from([0xff, 0x00, 0xfe, 0x27, 0x5c]);
      const record = messageRecord({
        started_at: window.at(10),
        raw_body: binary.toString('base64'),
        body_encoding: 'base64',
        ack: 'NACK',
        error_code: '30016',
        error_type: 'CONTEXT-ERROR',
        error_message: "invalid 'signature' \\ here",
        http_status: 401,
        headers: { authorization: 'Signature keyId="a|b|ed25519"', 'content-type': 'application/json' },
        signature: { verdict: 'invalid', key_id: 'a|b|ed25519' },
      });
      await subject.insert([record]);
      assert.deepEqual(await store.byId(record.id), record);
      assert.equal(await store.byId(randomUUID()), null);
    });

    it('keeps the full size of a body stored only in part, and leaves it absent where the record had none', async () => {
      const window = freshWindow();
      const prefix = 'A'.repeat(4_096);
      const refused = messageRecord({
        started_at: window.at(10),
        raw_body: prefix,
        body_truncated: true,
        body_sha256: 'f'.repeat(64),
        body_size: 1_048_576,
        ack: 'NACK',
        error_code: '30016',
        http_status: 401,
        signature: { verdict: 'missing', key_id: null },
      });
      const outbound = messageRecord({ started_at: window.at(20), direction: 'outbound' });
      assert.equal('body_size' in outbound, false);
      await subject.insert([refused, outbound]);
      assert.deepEqual(await store.byId(refused.id), refused);
      assert.deepEqual(await store.byId(outbound.id), outbound);
    });

    it('filters messages by action, subscriber (sender or receiver), direction, status and a [from, to) window', async () => {
      const window = freshWindow();
      const a = messageRecord({ action: 'search', started_at: window.at(0), sender: 'rider-app.test', receiver: 'bpp.test.example' });
      const b = messageRecord({ action: 'on_search', started_at: window.at(1_000), direction: 'outbound', sender: 'bpp.test.example', receiver: 'rider-app.test' });
      const c = messageRecord({ action: 'search', started_at: window.at(2_000), ack: 'NACK', error_code: '30016' });
      const d = messageRecord({ action: 'select', started_at: window.at(day - 1), direction: 'outbound' });
      const outside = messageRecord({ action: 'search', started_at: new Date(window.to.getTime()).toISOString(), sender: 'rider-app.test' });
      await subject.insert([a, b, c, d, outside]);
      const page = async (filter: Partial<MessagesQuery>) =>
        ids((await store.messages({ from: window.from, to: window.to, limit: 50, ...filter })).records);

      assert.deepEqual(await page({}), ids([a, b, c, d]));
      assert.deepEqual(await page({ action: 'search' }), ids([a, c]));
      assert.deepEqual(await page({ subscriberId: 'rider-app.test' }), ids([a, b]));
      assert.deepEqual(await page({ direction: 'outbound' }), ids([b, d]));
      assert.deepEqual(await page({ status: 'NACK' }), ids([c]));
      assert.deepEqual(await page({ status: 'ACK', action: 'search' }), ids([a]));
      assert.deepEqual(await page({ from: new Date(window.base + 1_000), to: new Date(window.base + 2_000) }), ids([b]));
      assert.deepEqual(await page({ subscriberId: "x' OR '1'='1" }), []);
      assert.deepEqual(await page({ action: "search' OR action != '" }), []);
    });

    it('pages with a stable cursor: rows stored between pages never repeat or skip a row after the cursor', async () => {
      const window = freshWindow();
      // Pairs of records share a start time, so the id decides their order across page ends.
      const original = Array.from({ length: 25 }, (_, index) => messageRecord({ started_at: window.at(Math.floor(index / 2) * 1_000) }));
      await subject.insert(original);
      const later: MessageRecord[] = [];
      const earlier: MessageRecord[] = [];
      const seen = await allPages(store, { from: window.from, to: window.to, limit: 7 }, async (pageNo) => {
        const newer = messageRecord({ started_at: window.at(50_000 + pageNo * 1_000) });
        const older = messageRecord({ started_at: window.at(500) });
        later.push(newer);
        earlier.push(older);
        await subject.insert([newer, older]);
      });
      assert.equal(new Set(ids(seen)).size, seen.length, 'a record came twice');
      assert.deepEqual(ids(seen), ids([...original, ...later].sort(byPosition)));
      assert.ok(earlier.every((record) => !ids(seen).includes(record.id)), 'a record older than the cursor appeared');
    });

    it('ends with a null cursor exactly when no record follows', async () => {
      const window = freshWindow();
      const records = Array.from({ length: 4 }, (_, index) => messageRecord({ started_at: window.at(index) }));
      await subject.insert(records);
      const full = await store.messages({ from: window.from, to: window.to, limit: 4 });
      assert.equal(full.records.length, 4);
      assert.equal(full.nextCursor, null);
      const first = await store.messages({ from: window.from, to: window.to, limit: 3 });
      assert.ok(first.nextCursor);
      const rest = await store.messages({ from: window.from, to: window.to, limit: 3, cursor: first.nextCursor });
      assert.deepEqual(ids(rest.records), ids(records.slice(3)));
      assert.equal(rest.nextCursor, null);
    });

    it('refuses a cursor it did not issue before reading anything', async () => {
      const forged = [
        'not a cursor!',
        Buffer.from('{"t":1}').toString('base64url'),
        Buffer.from(JSON.stringify([-1, randomUUID()])).toString('base64url'),
        Buffer.from(JSON.stringify([1.5, randomUUID()])).toString('base64url'),
        Buffer.from(JSON.stringify([1, "x' OR 1=1 --"])).toString('base64url'),
        Buffer.from(JSON.stringify([ 1, randomUUID() ], null, 1)).toString('base64url'),
      ];
      for (const cursor of forged) {
        await assert.rejects(store.messages({ limit: 5, cursor }), (error: unknown) => error instanceof AppError && error.code === 'VALIDATION_FAILED', cursor);
      }
    });

    it('exports every matching record, and stops reading when the consumer stops', async () => {
      const window = freshWindow();
      const records = Array.from({ length: 30 }, (_, index) =>
        messageRecord({ started_at: window.at(index * 10), action: index % 3 === 0 ? 'select' : 'search' }),
      );
      await subject.insert(records);
      const exported = await collect(store.export({ from: window.from, to: window.to }));
      assert.deepEqual(ids(exported).sort(), ids(records).sort());
      const selects = await collect(store.export({ from: window.from, to: window.to, action: 'select' }));
      assert.deepEqual(ids(selects).sort(), ids(records.filter((record) => record.action === 'select')).sort());
      for await (const record of store.export({ from: window.from, to: window.to })) {
        assert.ok(ids(records).includes(record.id));
        break;
      }
      assert.equal((await store.messages({ from: window.from, to: window.to, limit: 1 })).records.length, 1);
    });

    it('exports without bodies the same records, every other field as export gives it', async () => {
      const window = freshWindow();
      const records = Array.from({ length: 6 }, (_, index) => messageRecord({ started_at: window.at(index * 10), action: index % 2 === 0 ? 'select' : 'search' }));
      await subject.insert(records);
      const byId = (list: MessageRecord[]) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
      const full = byId(await collect(store.export({ from: window.from, to: window.to, action: 'select' })));
      const lean = byId(await collect(store.exportWithoutBodies({ from: window.from, to: window.to, action: 'select' })));
      assert.equal(lean.length, 3);
      assert.deepEqual(lean, full.map((record) => ({ ...record, raw_body: '' })));
    });

    it('computes stats over [from, to): counts by action and status, NACK codes, transactions and latency percentiles per counterpart', async () => {
      const window = freshWindow();
      const t1 = randomUUID();
      const t2 = randomUUID();
      const latencies = [10, 20, 30, 40, 100];
      const records = [
        ...latencies.map((latency, index) =>
          messageRecord({ action: 'search', transaction_id: t1, started_at: window.at(index), latency_ms: latency, sender: 'rider-app.test' }),
        ),
        messageRecord({ action: 'search', transaction_id: t2, started_at: window.at(10), ack: 'NACK', error_code: '30016', latency_ms: 7, sender: 'rider-app.test' }),
        messageRecord({ action: 'select', transaction_id: t2, started_at: window.at(11), ack: 'NACK', error_code: '30016', latency_ms: 7, sender: 'other.test' }),
        messageRecord({ action: 'select', transaction_id: t2, started_at: window.at(12), ack: 'NACK', error_code: null, latency_ms: 7, sender: 'other.test' }),
        messageRecord({ action: 'on_select', transaction_id: t2, started_at: window.at(13), direction: 'outbound', receiver: 'other.test', ack: null, http_status: null, latency_ms: 3 }),
        messageRecord({ action: 'init', transaction_id: null, message_id: null, started_at: window.at(14), sender: null, latency_ms: 1 }),
      ];
      await subject.insert([...records, messageRecord({ started_at: new Date(window.to.getTime()).toISOString() })]);
      const stats = await store.stats(window.from, window.to);
      assert.equal(stats.from, window.from.toISOString());
      assert.equal(stats.to, window.to.toISOString());
      assert.equal(stats.total, records.length);
      assert.equal(stats.transactions, 2);
      assert.deepEqual(stats.by_action, [
        { action: 'init', status: 'ACK', count: 1 },
        { action: 'on_select', status: 'NONE', count: 1 },
        { action: 'search', status: 'ACK', count: 5 },
        { action: 'search', status: 'NACK', count: 1 },
        { action: 'select', status: 'NACK', count: 2 },
      ]);
      assert.deepEqual(stats.nack_codes, [
        { code: '30016', count: 2 },
        { code: null, count: 1 },
      ]);
      const counterparts = Object.fromEntries(stats.counterparts.map((entry) => [String(entry.counterpart), entry]));
      assert.deepEqual(Object.keys(counterparts), ['other.test', 'rider-app.test', 'null']);
      assert.equal(counterparts['other.test']?.count, 3);
      assert.equal(counterparts['rider-app.test']?.count, 6);
      // Linear interpolation over [7, 10, 20, 30, 40, 100]: rank = level * 5.
      const riders = counterparts['rider-app.test']?.latency_ms;
      assert.ok(riders);
      assert.ok(Math.abs(riders.p50 - 25) < 1e-9, `p50 ${riders.p50}`);
      assert.ok(Math.abs(riders.p90 - 70) < 1e-9, `p90 ${riders.p90}`);
      assert.ok(Math.abs(riders.p99 - 97) < 1e-9, `p99 ${riders.p99}`);
      assert.deepEqual(counterparts.null?.latency_ms, { p50: 1, p90: 1, p99: 1 });
    });

    it('gives empty stats for a window without records', async () => {
      const window = freshWindow();
      const stats = await store.stats(window.from, window.to);
      assert.deepEqual(stats, {
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        total: 0,
        transactions: 0,
        by_action: [],
        nack_codes: [],
        counterparts: [],
      });
    });
  });
}
