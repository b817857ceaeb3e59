import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import express from 'express';
import { auditRoutes, loadPiiRules, type AuditStore } from '../../src/audit/read/index.js';
import { healthRoutes } from '../../src/infra/health/index.js';
import { drain, errorHandler, listen, mountRoutes } from '../../src/infra/http/index.js';
import { buildOpenApiDocument } from '../../src/infra/openapi/index.js';
import { SchemaRegistry } from '../../src/infra/validation/index.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { backingStore, participants, signedRecord, startAuditApi, type AuditApi, type BackingStore, type StoreKind } from './audit-api-server.js';
import { messageRecord, quiet, ridePayload } from './audit-read-fixtures.js';

const base = Date.UTC(2031, 6, 1, 9, 0, 0);
const at = (offsetMs: number) => new Date(base + offsetMs).toISOString();
const window = `from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(3_600_000))}`;
// Records of the masking cases sit in the next hour, outside `window`, so the paging and stats cases do not count them.
const laterWindow = `from=${encodeURIComponent(at(3_600_000))}&to=${encodeURIComponent(at(7_200_000))}`;

async function json(response: Response): Promise<any> {
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  return response.json();
}

async function assertError(response: Response, status: number, code: string) {
  const body = await json(response);
  assert.equal(response.status, status, JSON.stringify(body));
  assert.equal(body.error.code, code);
}

for (const kind of ['file', 'clickhouse'] as StoreKind[]) {
  describe(`audit API over real HTTP (${kind} store)`, function () {
    this.timeout(90_000);
    let backing: BackingStore;
    let api: AuditApi;

    const transactionId = randomUUID();
    const searchId = randomUUID();
    const search = signedRecord({ action: 'search', startedAt: at(1_000), transactionId, messageId: searchId, gateway: participants.gateway, message: ridePayload });
    const onSearch = signedRecord({
      action: 'on_search',
      startedAt: at(2_000),
      transactionId,
      messageId: searchId,
      overrides: { direction: 'outbound', role: 'bpp', signature: { verdict: 'not_checked', key_id: null, gateway_verdict: 'not_checked', gateway_key_id: null } },
    });
    const badSelect = signedRecord({
      action: 'select',
      startedAt: at(3_000),
      transactionId,
      messageId: randomUUID(),
      overrides: { ack: 'NACK', error_code: '30016', error_type: 'CONTEXT-ERROR', http_status: 401, signature: { verdict: 'invalid', key_id: null, gateway_verdict: 'missing', gateway_key_id: null } },
    });
    const unanswered = signedRecord({ action: 'select', startedAt: at(4_000), transactionId: randomUUID(), messageId: randomUUID() });
    const tamperTarget = signedRecord({ action: 'search', startedAt: at(5_000), transactionId: randomUUID(), messageId: randomUUID() });
    const binary = messageRecord({ started_at: at(6_000), raw_body: Buffer.from([0xff, 0x00, 0x27, 0x5c]).toString('base64'), body_encoding: 'base64' });
    const all = [search, onSearch, badSelect, unanswered, tamperTarget, binary];

    // A body 20,000 arrays deep (41 KB), as ingress used to accept it, written straight into the log.
    const deepTransaction = randomUUID();
    const deepBody = `{"context":{"action":"search","transaction_id":"${deepTransaction}"},"message":{"x":${'['.repeat(20_000)}"9876543210"${']'.repeat(20_000)}}}`;
    const deep = messageRecord({ started_at: at(3_601_000), transaction_id: deepTransaction, raw_body: deepBody });
    // The ride OTP in an on_confirm's fulfillment stops.
    const otp = '5817';
    const otpTransaction = randomUUID();
    const withOtp = signedRecord({
      action: 'on_confirm',
      startedAt: at(3_602_000),
      transactionId: otpTransaction,
      messageId: randomUUID(),
      message: { order: { id: 'O7', fulfillments: [{ id: 'F1', stops: [{ type: 'START', authorization: { type: 'OTP', token: otp } }, { type: 'END' }] }] } },
    });

    before(async () => {
      backing = await backingStore(kind);
      await backing.insert([...all, deep, withOtp]);
      api = await startAuditApi(backing.store, new Date(base + 7_200_000));
    });

    after(async () => {
      await api?.close();
      await backing?.close();
    });

    describe('authentication', () => {
      const requests = (): [string, string][] => [
        ['GET', `/audit/transactions/${transactionId}`],
        ['GET', `/audit/transactions/${transactionId}/conformance`],
        ['GET', `/audit/messages?${window}`],
        ['GET', `/audit/messages/${search.id}/raw`],
        ['POST', `/audit/messages/${search.id}/verify`],
        ['GET', `/audit/export?${window}`],
        ['GET', `/audit/stats?${window}`],
      ];

      it('refuses every route without a token, with a wrong one, with the admin token or another scheme (401, Bearer challenge)', async () => {
        for (const [method, path] of requests()) {
          for (const authorization of [null, 'Bearer wrong-token-0123456789abcdef', `Bearer ${api.tokens.admin}`, `Basic ${api.tokens.auditor}`, `Bearer ${api.tokens.auditor}x`]) {
            const response = await fetch(`${api.baseUrl}${path}`, { method, headers: authorization === null ? {} : { authorization } });
            await assertError(response, 401, 'UNAUTHORIZED');
            assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm="beckn-ride audit"/, `${method} ${path}`);
          }
        }
      });

      it('opens every route to the auditor and the auditor_pii tokens, never cached', async () => {
        for (const bearer of [api.tokens.auditor, api.tokens.pii]) {
          for (const [method, path] of requests()) {
            const response = await fetch(`${api.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${bearer}` } });
            assert.equal(response.status, 200, `${method} ${path}: ${await response.text()}`);
            assert.equal(response.headers.get('cache-control'), 'no-store');
          }
        }
      });
    });

    describe('PII masking by role', () => {
      const phone = '9876543210';

      it('shows the auditor masked bodies (valid JSON, hints kept) and auditor_pii the stored bytes, in transactions and messages', async () => {
        const masked = await json(await api.get(`/audit/transactions/${transactionId}`));
        const record = masked.records.find((r: MessageRecord) => r.id === search.id);
        assert.equal(record.body_view, 'masked');
        assert.ok(!record.raw_body.includes(phone) && !record.raw_body.includes('Asha'), record.raw_body);
        const body = JSON.parse(record.raw_body);
        assert.equal(body.message.order.fulfillments[0].customer.contact.phone, '********10');
        assert.equal(body.message.order.fulfillments[0].agent.person.name, 'R*** K*** S***');
        assert.equal(body.context.transaction_id, transactionId);

        const raw = await json(await api.get(`/audit/transactions/${transactionId}`, api.tokens.pii));
        const rawRecord = raw.records.find((r: MessageRecord) => r.id === search.id);
        assert.equal(rawRecord.body_view, 'raw');
        assert.equal(rawRecord.raw_body, search.raw_body);

        const page = await json(await api.get(`/audit/messages?${window}&action=search&direction=inbound`));
        assert.ok(page.records.every((r: { body_view: string; raw_body: string }) => r.body_view !== 'raw' && !r.raw_body.includes(phone)));
      });

      it('serves raw bytes exactly to auditor_pii, masked JSON to the auditor, and withholds a binary body from the auditor', async () => {
        const exact = await api.get(`/audit/messages/${search.id}/raw`, api.tokens.pii);
        assert.equal(exact.status, 200);
        assert.equal(exact.headers.get('content-type'), 'application/octet-stream');
        assert.equal(exact.headers.get('x-audit-body-view'), 'raw');
        assert.deepEqual(JSON.parse(exact.headers.get('x-audit-message-headers') ?? ''), search.headers);
        assert.ok(Buffer.from(await exact.arrayBuffer()).equals(Buffer.from(search.raw_body)));

        const masked = await api.get(`/audit/messages/${search.id}/raw`);
        assert.equal(masked.headers.get('x-audit-body-view'), 'masked');
        const maskedText = await masked.text();
        assert.ok(!maskedText.includes(phone));
        assert.equal(JSON.parse(maskedText).context.message_id, searchId);

        const bytes = await api.get(`/audit/messages/${binary.id}/raw`, api.tokens.pii);
        assert.ok(Buffer.from(await bytes.arrayBuffer()).equals(Buffer.from([0xff, 0x00, 0x27, 0x5c])));
        const withheld = await api.get(`/audit/messages/${binary.id}/raw`);
        assert.equal(withheld.headers.get('x-audit-body-view'), 'withheld');
        assert.equal((await withheld.arrayBuffer()).byteLength, 0);

        const asJson = await json(await api.get(`/audit/messages/${binary.id}/raw?format=json`, api.tokens.pii));
        assert.deepEqual(Buffer.from(asJson.body_base64, 'base64'), Buffer.from([0xff, 0x00, 0x27, 0x5c]));
        assert.equal(asJson.body_sha256, binary.body_sha256);
      });
    });

    describe('masking bounds and the ride OTP', () => {
      it('reads a record nested 20,000 levels deep on every route: masked, never a 500', async () => {
        const response = await api.get(`/audit/transactions/${deepTransaction}`);
        const transaction = await json(response);
        assert.equal(response.status, 200, JSON.stringify(transaction));
        assert.equal(transaction.records[0].body_view, 'masked');
        assert.equal(transaction.records[0].raw_body, deepBody);
        const page = await json(await api.get(`/audit/messages?${laterWindow}&action=search`));
        assert.deepEqual(page.records.map((r: { id: string; body_view: string }) => [r.id, r.body_view]), [[deep.id, 'masked']]);
        const raw = await api.get(`/audit/messages/${deep.id}/raw`);
        assert.equal(raw.status, 200);
        assert.equal(raw.headers.get('x-audit-body-view'), 'masked');
        assert.equal((await json(await api.get(`/audit/transactions/${deepTransaction}/conformance`))).records, 1);
        const exported = await api.get(`/audit/export?${laterWindow}&action=search`);
        assert.equal(exported.status, 200);
        assert.equal(JSON.parse((await exported.text()).trimEnd()).body_view, 'masked');
      });

      it('masks the ride OTP of stops[].authorization.token in the record view, the list, the raw body and both export formats', async () => {
        const views: [string, string][] = [];
        const transaction = await json(await api.get(`/audit/transactions/${otpTransaction}`));
        views.push(['transaction', transaction.records[0].raw_body]);
        const page = await json(await api.get(`/audit/messages?${laterWindow}&action=on_confirm`));
        assert.equal(page.records.length, 1);
        views.push(['messages', page.records[0].raw_body]);
        views.push(['raw', await (await api.get(`/audit/messages/${withOtp.id}/raw`)).text()]);
        views.push(['ndjson', await (await api.get(`/audit/export?${laterWindow}&action=on_confirm`)).text()]);
        views.push(['csv', await (await api.get(`/audit/export?${laterWindow}&action=on_confirm&format=csv`)).text()]);
        for (const [name, text] of views) {
          assert.ok(!text.includes(otp), `${name} shows the OTP: ${text}`);
        }
        const stops = JSON.parse(transaction.records[0].raw_body).message.order.fulfillments[0].stops;
        assert.deepEqual(stops[0], { type: 'START', authorization: { type: 'OTP', token: '***' } });

        const forPii = await json(await api.get(`/audit/transactions/${otpTransaction}`, api.tokens.pii));
        assert.equal(forPii.records[0].raw_body, withOtp.raw_body);
      });
    });

    describe('input validation', () => {
      it('answers 400 VALIDATION_FAILED to hostile or malformed ids, before any lookup', async () => {
        const badIds = ["' OR 1=1 --", 'not-a-uuid', `${transactionId}'`, `${transactionId}%00`, '%27%3B%20DROP%20TABLE%20beckn_message_log', 'x'.repeat(300)];
        for (const id of badIds) {
          await assertError(await api.get(`/audit/transactions/${id}`), 400, 'VALIDATION_FAILED');
          await assertError(await api.get(`/audit/transactions/${id}/conformance`), 400, 'VALIDATION_FAILED');
          await assertError(await api.get(`/audit/messages/${id}/raw`), 400, 'VALIDATION_FAILED');
          await assertError(await api.post(`/audit/messages/${id}/verify`), 400, 'VALIDATION_FAILED');
        }
      });

      it('answers 400 to filters outside their schema: actions, subscriber ids, enums, times, limits, cursors, unknown or repeated parameters', async () => {
        const forgedCursor = Buffer.from(JSON.stringify([1, "x' OR '1'='1"])).toString('base64url');
        const queries = [
          'action=drop',
          "action=search'",
          'action=SEARCH',
          'subscriberId=a%7Cb',
          'subscriberId=has%20space',
          `subscriberId=${'a'.repeat(256)}`,
          'direction=sideways',
          'status=MAYBE',
          'from=yesterday',
          'from=2031-07-01T09:00:00',
          'from=2031-13-01T00:00:00Z',
          `from=${encodeURIComponent(at(10))}&to=${encodeURIComponent(at(0))}`,
          'from=2150-01-01T00:00:00Z',
          'limit=0',
          'limit=501',
          'limit=ten',
          'cursor=not%20a%20cursor',
          `cursor=${forgedCursor}`,
          'sort=id',
          'action=search&action=select',
        ];
        for (const query of queries) {
          await assertError(await api.get(`/audit/messages?${query}`), 400, 'VALIDATION_FAILED');
        }
        await assertError(await api.get('/audit/export?from=2031-07-01T09:00:00Z'), 400, 'VALIDATION_FAILED');
        await assertError(await api.get(`/audit/export?${window}&format=xml`), 400, 'VALIDATION_FAILED');
        await assertError(await api.get('/audit/stats?to=2031-07-01T09:00:00Z'), 400, 'VALIDATION_FAILED');
        await assertError(await api.get(`/audit/messages/${search.id}/raw?format=html`), 400, 'VALIDATION_FAILED');
      });

      it('treats a subscriber id full of quotes and backslashes as plain data', async () => {
        const page = await json(await api.get(`/audit/messages?${window}&subscriberId=${encodeURIComponent("a'b\\\\'--")}`));
        assert.deepEqual(page, { records: [], next_cursor: null });
      });

      it('answers 404 NOT_FOUND for an unknown transaction or record', async () => {
        const unknown = randomUUID();
        await assertError(await api.get(`/audit/transactions/${unknown}`), 404, 'NOT_FOUND');
        await assertError(await api.get(`/audit/transactions/${unknown}/conformance`), 404, 'NOT_FOUND');
        await assertError(await api.get(`/audit/messages/${unknown}/raw`), 404, 'NOT_FOUND');
        await assertError(await api.post(`/audit/messages/${unknown}/verify`), 404, 'NOT_FOUND');
      });
    });

    describe('transactions and messages', () => {
      it('lists a transaction in order with direction, action, ids, parties, ACK/NACK and code, verdicts and latency', async () => {
        const body = await json(await api.get(`/audit/transactions/${transactionId}`));
        assert.equal(body.transaction_id, transactionId);
        assert.deepEqual(body.records.map((r: MessageRecord) => [r.id, r.direction, r.action, r.ack, r.error_code]), [
          [search.id, 'inbound', 'search', 'ACK', null],
          [onSearch.id, 'outbound', 'on_search', 'ACK', null],
          [badSelect.id, 'inbound', 'select', 'NACK', '30016'],
        ]);
        const first = body.records[0];
        assert.equal(first.message_id, searchId);
        assert.equal(first.sender, participants.bap.subscriberId);
        assert.equal(first.receiver, participants.bpp.subscriberId);
        assert.equal(first.signature.verdict, 'valid');
        assert.equal(first.latency_ms, search.latency_ms);
      });

      it('pages messages with next_cursor until it is null', async () => {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page: { records: MessageRecord[]; next_cursor: string | null } = await json(
            await api.get(`/audit/messages?${window}&limit=2${cursor ? `&cursor=${cursor}` : ''}`),
          );
          seen.push(...page.records.map((record) => record.id));
          cursor = page.next_cursor;
        } while (cursor !== null);
        assert.deepEqual(seen, all.map((record) => record.id));
      });
    });

    describe('verify', () => {
      it('confirms a genuine signed message against the key valid at its time (body, signature, signer, gateway)', async () => {
        const report = await json(await api.post(`/audit/messages/${search.id}/verify`));
        assert.equal(report.ok, true, JSON.stringify(report));
        assert.equal(report.message_time, search.started_at);
        assert.equal(report.body.sha256_matches, true);
        assert.match(report.body.digest, /^BLAKE-512=[A-Za-z0-9+/]{86}==$/);
        assert.equal(report.authorization.verdict, 'valid');
        assert.equal(report.authorization.key.subscriber_id, participants.bap.subscriberId);
        assert.equal(report.authorization.key.valid_until, '2032-01-01T00:00:00.000Z');
        assert.equal(report.authorization.signer_matches, true);
        assert.equal(report.gateway_authorization.verdict, 'valid');
        assert.equal(report.gateway_authorization.key.type, 'BG');
        assert.deepEqual(report.recorded, { verdict: 'valid', gateway_verdict: 'valid' });
      });

      it('fails a message whose stored body was altered: SHA-256 and signature both disagree', async () => {
        const before = await json(await api.post(`/audit/messages/${tamperTarget.id}/verify`));
        assert.equal(before.ok, true, JSON.stringify(before));
        await backing.tamper(tamperTarget.id, tamperTarget.raw_body.replace('"message":{}', '"message":{"intent":{"tampered":true}}'));
        const report = await json(await api.post(`/audit/messages/${tamperTarget.id}/verify`));
        assert.equal(report.ok, false);
        assert.equal(report.body.sha256_matches, false);
        assert.equal(report.body.stored_sha256, tamperTarget.body_sha256);
        assert.equal(report.authorization.verdict, 'invalid');
        assert.equal(report.authorization.reason, 'BAD_SIGNATURE');
      });

      it('reports a message without a stored signature as missing', async () => {
        const report = await json(await api.post(`/audit/messages/${binary.id}/verify`));
        assert.equal(report.ok, false);
        assert.equal(report.authorization.verdict, 'missing');
        assert.equal(report.gateway_authorization, null);
      });
    });

    describe('conformance and stats', () => {
      it('checks a transaction: the exchange pairs, the NACKed select is listed and not paired', async () => {
        const report = await json(await api.get(`/audit/transactions/${transactionId}/conformance`));
        assert.equal(report.conforms, true, JSON.stringify(report.findings));
        assert.equal(report.records, 3);
        assert.equal(report.counted, 2);
        assert.deepEqual(report.nacked, [{ record_id: badSelect.id, action: 'select', message_id: badSelect.message_id, error_code: '30016' }]);
      });

      it('reports a request left without its callback, naming the record', async () => {
        const report = await json(await api.get(`/audit/transactions/${unanswered.transaction_id}/conformance`));
        assert.equal(report.conforms, false);
        assert.deepEqual(report.findings, [
          { rule: 'callback-received', message: `select ${unanswered.message_id} has no accepted on_select`, record_ids: [unanswered.id] },
        ]);
      });

      it('serves stats for a window', async () => {
        const stats = await json(await api.get(`/audit/stats?${window}`));
        assert.equal(stats.total, all.length);
        assert.deepEqual(stats.nack_codes, [{ code: '30016', count: 1 }]);
        assert.deepEqual(
          stats.by_action.find((row: { action: string; status: string }) => row.action === 'search' && row.status === 'ACK'),
          { action: 'search', status: 'ACK', count: 3 },
        );
      });
    });

    it('documents every audit route in OpenAPI with the auditorToken scheme and its query parameters', () => {
      const document = buildOpenApiDocument(api.routes, 'test');
      assert.deepEqual(Object.keys(document.paths).sort(), [
        '/audit/checkpoints',
        '/audit/export',
        '/audit/messages',
        '/audit/messages/{recordId}/raw',
        '/audit/messages/{recordId}/verify',
        '/audit/proofs/consistency',
        '/audit/proofs/inclusion',
        '/audit/stats',
        '/audit/transactions/{transactionId}',
        '/audit/transactions/{transactionId}/conformance',
        '/audit/transactions/{transactionId}/ondc-log',
      ]);
      assert.deepEqual(document.components.securitySchemes, { auditorToken: { type: 'http', scheme: 'bearer' } });
      const messages = document.paths['/audit/messages']?.get as { parameters: { name: string }[]; security: unknown };
      assert.deepEqual(messages.parameters.map((p) => p.name), ['action', 'subscriberId', 'direction', 'status', 'from', 'to', 'limit', 'cursor']);
      assert.deepEqual(messages.security, [{ auditorToken: [] }]);
      const inclusion = document.paths['/audit/proofs/inclusion']?.get as { parameters: { name: string }[]; security: unknown };
      assert.deepEqual(inclusion.parameters.map((p) => p.name), ['recordId', 'treeSize']);
      assert.deepEqual(inclusion.security, [{ auditorToken: [] }]);
    });
  });
}

describe('an audit read over bodies planted to be costly to mask', function () {
  this.timeout(300_000);
  let backing: BackingStore;
  const auditorToken = `auditor-${randomUUID()}`;

  /** The audit routes beside the real /health/live, over real HTTP; `onRead` runs when the store hands over a page or a record. */
  async function startApi(options: { maskBudgetUnits?: number; onRead?: (baseUrl: string) => void } = {}) {
    let baseUrl = '';
    const store: AuditStore = {
      ...backing.store,
      async messages(query) {
        const page = await backing.store.messages(query);
        options.onRead?.(baseUrl);
        return page;
      },
      async byId(recordId) {
        const record = await backing.store.byId(recordId);
        options.onRead?.(baseUrl);
        return record;
      },
    };
    const routes = [
      ...healthRoutes({ checks: {}, timeoutMs: 1_000, isDraining: () => false }),
      ...auditRoutes({
        store,
        registry: { signingKey: () => Promise.reject(new Error('this test verifies nothing')) },
        auditorToken,
        piiToken: null,
        piiRules: await loadPiiRules(),
        logger: quiet,
        ...(options.maskBudgetUnits === undefined ? {} : { maskBudgetUnits: options.maskBudgetUnits }),
      }),
    ];
    const app = express();
    mountRoutes(app, routes, { body: new SchemaRegistry(), query: new SchemaRegistry({ coerceTypes: true }) });
    app.use(errorHandler(quiet));
    const { server, port } = await listen(app, 0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${port}`;
    return {
      get: (path: string) => fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${auditorToken}` } }),
      close: () => drain(server, 5_000),
    };
  }

  // Refused messages are logged whole: 60 bodies of 24 KiB of letters without '@', the worst case of a backtracking email pattern.
  const planted = Array.from({ length: 60 }, (_, index) =>
    messageRecord({ started_at: at(index), ack: 'NACK', raw_body: JSON.stringify({ context: {}, message: { note: 'a'.repeat(24 * 1024) } }) }),
  );

  // One body of 1 MiB of tiny values (half a million zeros), outside the window of the others.
  const oneLarge = messageRecord({ started_at: at(7_200_000), ack: 'NACK', raw_body: JSON.stringify({ message: new Array(512 * 1024).fill(0) }) });

  before(async () => {
    backing = await backingStore('file');
    await backing.insert([...planted, oneLarge]);
  });

  after(async () => {
    await backing?.close();
  });

  it('answers /health/live while the read is still masking, then masks every body', async () => {
    let auditAnswered = false;
    let health: Promise<{ status: number; whileAuditPending: boolean }> | null = null;
    // Once the store has handed over the page the API masks it, and that is when /health/live is asked.
    const api = await startApi({
      onRead: (baseUrl) => {
        health = fetch(`${baseUrl}/health/live`).then((response) => ({ status: response.status, whileAuditPending: !auditAnswered }));
      },
    });
    try {
      const response = await api.get(`/audit/messages?${window}&limit=100`);
      auditAnswered = true;
      const page = await json(response);
      assert.equal(response.status, 200);
      assert.equal(page.records.length, 60);
      assert.ok(page.records.every((record: { body_view: string }) => record.body_view === 'masked'));
      assert.ok(health !== null, 'the store was never read');
      assert.deepEqual(await health, { status: 200, whileAuditPending: true }, '/health/live waited for the audit read to finish');
    } finally {
      await api.close();
    }
  });

  it('answers /health/live while one large body is still being masked', async () => {
    let rawAnswered = false;
    let health: Promise<{ status: number; whileRawPending: boolean }> | null = null;
    const api = await startApi({
      onRead: (baseUrl) => {
        health = fetch(`${baseUrl}/health/live`).then((response) => ({ status: response.status, whileRawPending: !rawAnswered }));
      },
    });
    try {
      const response = await api.get(`/audit/messages/${oneLarge.id}/raw`);
      rawAnswered = true;
      assert.equal(response.headers.get('x-audit-body-view'), 'masked');
      assert.equal(JSON.parse(await response.text()).message.length, 512 * 1024);
      assert.ok(health !== null, 'the store was never read');
      assert.deepEqual(await health, { status: 200, whileRawPending: true }, '/health/live waited for the body to be masked');
    } finally {
      await api.close();
    }
  });

  it('withholds the bodies past the masking budget of a response as over_budget, and masks one read alone', async () => {
    // Room for about ten of the sixty bodies (each is some 49,000 units: its text parsed, then scanned).
    const api = await startApi({ maskBudgetUnits: 500_000 });
    try {
      const page = await json(await api.get(`/audit/messages?${window}&limit=100`));
      const views: string[] = page.records.map((record: { body_view: string }) => record.body_view);
      const masked = views.filter((view) => view === 'masked').length;
      assert.ok(masked >= 1 && masked < 60, `${masked} of 60 bodies masked`);
      assert.deepEqual(views, [...Array(masked).fill('masked'), ...Array(60 - masked).fill('over_budget')]);
      assert.ok(page.records.slice(masked).every((record: { raw_body: string }) => record.raw_body === ''));

      const alone = await api.get(`/audit/messages/${planted[59]?.id}/raw`);
      assert.equal(alone.headers.get('x-audit-body-view'), 'masked');
      assert.equal(JSON.parse(await alone.text()).message.note.length, 24 * 1024);
    } finally {
      await api.close();
    }
  });
});
