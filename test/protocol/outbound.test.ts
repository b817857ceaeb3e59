import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sequelize } from 'sequelize';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createSequelize, runMigrations } from '../../src/infra/postgres/index.js';
import { openFileMessageLog, readFileMessageLog, type MessageLog, type MessageRecord } from '../../src/protocol/message-log/index.js';
import { fullJitterDelayMs } from '../../src/infra/backoff/index.js';
import {
  createBecknHttpClient,
  createDeliveryWorker,
  createOutbox,
  type DeliveryWorker,
  type Outbox,
  type OutboxEntry,
  type OutboxEntryInput,
} from '../../src/protocol/outbound/index.js';
import type { AuthorizationParams } from '../../src/protocol/signing/index.js';
import { waitUntil } from '../support/wait-until.js';
import { embeddedBackend, serverBackend, type FreshDatabase, type PostgresBackend } from '../infra/postgres-backends.js';
import { uniqueTestName } from '../support/services.js';
import { ack, becknBody, closedPortUrl, keysOf, nack, signerFor, startReceiver, type Received, type Receiver } from './outbound-fixtures.js';

const logger = createLogger('silent');
const bpp = signerFor('bpp.test.beckn-ride');
const bap = signerFor('bap.test.beckn-ride');
const gateway = signerFor('gateway.test.beckn-ride');
const registry = keysOf([bpp, bap, gateway]);

/** The receiver found the signature header present and valid; returns its parameters. */
function assertValid(verdict: Received['authorization']): AuthorizationParams {
  assert.ok(verdict !== 'absent', 'the signature header is present');
  if (!verdict.ok) assert.fail(`the receiver refused the signature: ${verdict.reason} ${verdict.detail}`);
  return verdict.params;
}

interface DeliveryOptions {
  timeoutMs?: number;
  baseBackoffMs?: number;
  concurrency?: number;
  leaseMs?: number;
  random?: () => number;
  sequelize?: Sequelize;
  onDepth?: (depth: { pending: number; dead: number }) => void;
}

function outboundCases(backend: PostgresBackend): void {
  describe(`outbound delivery: outbox, signed HTTP client and worker on ${backend.name}`, function () {
    this.timeout(90_000);
    let database: FreshDatabase;
    let sequelize: Sequelize;
    let logDir: string;
    let logPath: string;
    let messageLog: MessageLog;
    let outbox: Outbox;
    let cleanups: (() => Promise<void> | void)[] = [];

    const startReceiverFor = async (answer: Receiver['answer']): Promise<Receiver> => {
      const receiver = await startReceiver(registry, answer);
      cleanups.push(() => receiver.close());
      return receiver;
    };

    const startWorker = (options: DeliveryOptions = {}): DeliveryWorker => {
      const client = createBecknHttpClient({ timeoutMs: options.timeoutMs ?? 5_000, logger });
      const worker = createDeliveryWorker({
        outbox: options.sequelize ? createOutbox({ sequelize: options.sequelize, logger }) : outbox,
        client,
        signers: { bpp, bap, gateway },
        messageLog,
        logger,
        options: {
          pollIntervalMs: 50,
          concurrency: options.concurrency ?? 4,
          leaseMs: options.leaseMs ?? 30_000,
          baseBackoffMs: options.baseBackoffMs ?? 20,
          maxBackoffMs: 2_000,
          signatureTtlSeconds: 120,
        },
        ...(options.random ? { random: options.random } : {}),
        ...(options.onDepth ? { onDepth: options.onDepth } : {}),
      });
      cleanups.push(async () => {
        await worker.stop(10_000);
        client.close();
      });
      worker.start();
      return worker;
    };

    let sequence = 0;
    const message = (receiver: { url: string }, action = 'on_search', extra: Partial<OutboxEntryInput> = {}): OutboxEntryInput & { body: Buffer } => {
      sequence += 1;
      const ids = { transactionId: `txn-${sequence}`, messageId: `msg-${sequence}` };
      return { role: 'bpp', action, targetUrl: `${receiver.url}/beckn/bap/${action}`, maxAttempts: 5, ...extra, body: becknBody(action, ids) };
    };

    const entry = async (id: string): Promise<OutboxEntry> => {
      const found = await outbox.get(id);
      assert.ok(found, `outbox entry ${id} exists`);
      return found;
    };

    const settled = async (id: string, status: 'delivered' | 'dead'): Promise<OutboxEntry> => {
      await waitUntil(`outbox entry ${id} is ${status}`, async () => (await entry(id)).status === status, {
        timeoutMs: 45_000,
        intervalMs: 50,
      });
      return entry(id);
    };

    const records = async (): Promise<MessageRecord[]> => {
      await messageLog.flush();
      const all: MessageRecord[] = [];
      for await (const record of readFileMessageLog(logPath)) all.push(record);
      return all;
    };

    before(async () => {
      await backend.setUp();
      database = await backend.freshDatabase();
      sequelize = createSequelize({ url: database.url, logger, poolMax: 8, applicationName: 'beckn-ride-test' });
      await runMigrations({ sequelize, logger });
      logDir = await mkdtemp(join(tmpdir(), 'beckn-ride-test-outbound-'));
    });

    beforeEach(async () => {
      await sequelize.query('DELETE FROM beckn_protocol.outbox');
      logPath = join(logDir, `${uniqueTestName('log')}.jsonl`);
      messageLog = await openFileMessageLog(logPath);
      outbox = createOutbox({ sequelize, logger });
    });

    afterEach(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
      cleanups = [];
      await messageLog.close();
    });

    after(async () => {
      await sequelize?.close();
      await database?.dispose();
      await backend.tearDown();
      if (logDir) await rm(logDir, { recursive: true, force: true });
    });

    it('delivers an enqueued message once, signed over the exact stored bytes, and logs one record', async () => {
      const receiver = await startReceiverFor(() => ({ status: 200, body: ack }));
      const input = message(receiver);
      const id = await outbox.enqueue(input);
      const worker = startWorker();
      await worker.deliverNow();

      const delivered = await settled(id, 'delivered');
      assert.equal(delivered.attempts, 1);
      assert.equal(delivered.lastHttpStatus, 200);
      assert.ok(delivered.deliveredAt);
      assert.equal(delivered.transactionId, `txn-${sequence}`, 'ids are read from the body context');

      assert.equal(receiver.received.length, 1);
      const [request] = receiver.received;
      assert.ok(request);
      assert.ok(request.body.equals(input.body), 'the receiver got the stored bytes unchanged');
      assert.equal(request.path, '/beckn/bap/on_search');
      assert.equal(request.headers['content-type'], 'application/json');
      const signed = assertValid(request.authorization);
      assert.equal(signed.subscriberId, bpp.subscriberId, "signed with the sending role's key");
      assert.equal(signed.expires - signed.created, 120, 'the configured signature lifetime');
      assert.equal(request.gatewayAuthorization, 'absent');

      const [record, ...more] = await records();
      assert.equal(more.length, 0);
      assert.ok(record);
      assert.equal(record.direction, 'outbound');
      assert.equal(record.role, 'bpp');
      assert.equal(record.action, 'on_search');
      assert.equal(record.url, input.targetUrl);
      assert.equal(record.transaction_id, delivered.transactionId);
      assert.equal(record.message_id, delivered.messageId);
      assert.equal(record.domain, 'ONDC:TRV10');
      assert.equal(record.city, 'std:080');
      assert.equal(record.sender, bpp.subscriberId);
      assert.equal(record.receiver, 'bap.test.beckn-ride', 'a callback goes to the BAP');
      assert.equal(record.raw_body, input.body.toString('utf8'));
      assert.equal(record.body_encoding, 'utf8');
      assert.equal(record.body_sha256, createHash('sha256').update(input.body).digest('hex'));
      assert.equal(record.headers.authorization, request.headers.authorization);
      assert.deepEqual(record.signature, {
        verdict: 'not_checked',
        key_id: `${bpp.subscriberId}|${bpp.uniqueKeyId}|ed25519`,
        gateway_verdict: 'not_checked',
        gateway_key_id: null,
      });
      assert.equal(record.ack, 'ACK');
      assert.equal(record.http_status, 200);
      assert.equal(record.attempt, 1);
      assert.ok(Date.parse(record.finished_at) >= Date.parse(record.started_at));
      assert.ok(record.latency_ms >= 0);
    });

    it('retries 503 answers with growing backoff and delivers on the third attempt, logging each attempt', async () => {
      const receiver = await startReceiverFor((_, count) =>
        count < 3 ? { status: 503, body: nack('31001', 'busy') } : { status: 200, body: ack },
      );
      // Jitter pinned near its ceiling, so each wait shows its exponential bound: 599 ms, then 1198 ms.
      const backoff = { baseBackoffMs: 600, maxBackoffMs: 2_000 };
      const pinned = () => 0.999;
      startWorker({ baseBackoffMs: backoff.baseBackoffMs, random: pinned });
      const id = await outbox.enqueue(message(receiver));

      const delivered = await settled(id, 'delivered');
      assert.equal(delivered.attempts, 3);
      const logged = await records();
      assert.deepEqual(logged.map((record) => [record.attempt, record.http_status, record.ack]), [
        [1, 503, 'NACK'],
        [2, 503, 'NACK'],
        [3, 200, 'ACK'],
      ]);
      assert.equal(logged[0]?.error_code, '31001');

      const finished = logged.map((record) => Date.parse(record.finished_at));
      const arrived = receiver.received.map((request) => request.receivedAt);
      const waits = [arrived[1]! - finished[0]!, arrived[2]! - finished[1]!];
      const bounds = [fullJitterDelayMs(1, backoff, pinned), fullJitterDelayMs(2, backoff, pinned)];
      assert.deepEqual(bounds, [599, 1198]);
      assert.ok(waits[0]! >= bounds[0]! && waits[1]! >= bounds[1]!, `waited ${waits.join(' ms, ')} ms`);
      // The last reschedule set next_attempt_at one second-attempt backoff after that attempt finished.
      const lastDelay = delivered.nextAttemptAt.getTime() - finished[1]!;
      assert.ok(lastDelay >= bounds[1]! && lastDelay < bounds[1]! + 5_000, `next_attempt_at was ${lastDelay} ms after attempt 2`);

      // Signatures have one-second resolution; attempts 1 and 3 are over 1.7 s apart.
      const created = receiver.received.map((request) => assertValid(request.authorization).created);
      assert.ok(created[2]! > created[0]!, `attempt 3 was signed afresh (created ${created.join(', ')})`);
    });

    it('moves a NACKed message to the dead letters at once, naming the code', async () => {
      const receiver = await startReceiverFor(() => ({ status: 400, body: nack('30000', 'invalid request') }));
      startWorker();
      const id = await outbox.enqueue(message(receiver));

      const dead = await settled(id, 'dead');
      assert.equal(dead.attempts, 1);
      assert.equal(dead.deadReason, 'NACK 30000');
      assert.equal(dead.lastHttpStatus, 400);
      assert.match(dead.lastError ?? '', /invalid request/);
      assert.equal(receiver.received.length, 1);
      const logged = await records();
      assert.equal(logged.length, 1);
      assert.equal(logged[0]?.ack, 'NACK');
      assert.equal(logged[0]?.error_code, '30000');
      assert.equal(logged[0]?.error_type, 'CONTEXT-ERROR');
    });

    it('retries an unreachable receiver up to max_attempts, then gives up, logging every attempt', async () => {
      const url = await closedPortUrl();
      startWorker();
      const id = await outbox.enqueue(message({ url }, 'on_select', { maxAttempts: 3 }));

      const dead = await settled(id, 'dead');
      assert.equal(dead.attempts, 3);
      assert.equal(dead.deadReason, 'gave up after 3 attempts');
      assert.match(dead.lastError ?? '', /ECONNREFUSED/);
      assert.equal(dead.lastHttpStatus, null);
      const logged = await records();
      assert.deepEqual(logged.map((record) => record.attempt), [1, 2, 3]);
      for (const record of logged) {
        assert.equal(record.ack, null);
        assert.equal(record.http_status, null);
        assert.match(record.error_message ?? '', /ECONNREFUSED/);
      }
    });

    it('counts a receiver that never answers as a timeout and retries', async () => {
      const receiver = await startReceiverFor((_, count) => (count === 1 ? 'hang' : { status: 200, body: ack }));
      startWorker({ timeoutMs: 400 });
      const id = await outbox.enqueue(message(receiver));

      const delivered = await settled(id, 'delivered');
      assert.equal(delivered.attempts, 2);
      const logged = await records();
      assert.equal(logged.length, 2);
      assert.match(logged[0]?.error_message ?? '', /timeout/);
      assert.ok((logged[0]?.latency_ms ?? 0) >= 350, `the first attempt waited ${logged[0]?.latency_ms} ms`);
      assert.equal(logged[1]?.ack, 'ACK');
    });

    it('delivers 50 messages exactly once in total with two workers on the same outbox table', async () => {
      const receiver = await startReceiverFor(() => ({ status: 200, body: ack }));
      const ids: string[] = [];
      for (let i = 0; i < 50; i += 1) ids.push(await outbox.enqueue(message(receiver)));
      const second = createSequelize({ url: database.url, logger, poolMax: 4, applicationName: 'beckn-ride-test' });
      cleanups.push(() => second.close());
      startWorker({ concurrency: 5 });
      startWorker({ concurrency: 5, sequelize: second });

      await waitUntil('all 50 delivered', async () => (await outbox.depth()).pending === 0, { timeoutMs: 60_000, intervalMs: 100 });
      const perMessage = new Map<string, number>();
      for (const request of receiver.received) {
        const messageId = (JSON.parse(request.body.toString('utf8')) as { context: { message_id: string } }).context.message_id;
        perMessage.set(messageId, (perMessage.get(messageId) ?? 0) + 1);
      }
      assert.equal(perMessage.size, 50);
      assert.deepEqual([...new Set(perMessage.values())], [1], 'no message arrived twice');
      for (const id of ids) assert.equal((await entry(id)).status, 'delivered');
      assert.equal((await records()).length, 50);
    });

    it('lets another worker deliver an entry whose worker claimed it and died, once the lease has passed', async () => {
      const receiver = await startReceiverFor(() => ({ status: 200, body: ack }));
      const id = await outbox.enqueue(message(receiver));
      const leaseMs = 1_500;
      const claimedAt = Date.now();
      const [claimed] = await outbox.claimDue('worker-that-died', 10, leaseMs);
      assert.equal(claimed?.id, id);
      assert.equal(claimed.attempts, 1);
      assert.deepEqual(await outbox.claimDue('someone-else', 10, leaseMs), [], 'a leased entry is not claimed again');

      startWorker();
      const delivered = await settled(id, 'delivered');
      assert.equal(receiver.received.length, 1);
      assert.ok(receiver.received[0]!.receivedAt >= claimedAt + leaseMs, 'not delivered before the lease passed');
      assert.equal(delivered.attempts, 2, "the dead worker's attempt counts");
      assert.equal(await outbox.markDelivered(id, 'worker-that-died', 200), false, 'the old owner can no longer settle it');
    });

    it('settles deliveries finished together, each only for the worker holding its lease', async () => {
      const receiver = await startReceiverFor(() => ({ status: 200, body: ack }));
      await Promise.all(Array.from({ length: 12 }, () => outbox.enqueue(message(receiver))));
      const mine = await outbox.claimDue('worker-a', 6, 30_000);
      const theirs = await outbox.claimDue('worker-b', 6, 30_000);
      assert.equal(mine.length + theirs.length, 12);
      const answers = await Promise.all([...mine, ...theirs].map((claimed) => outbox.markDelivered(claimed.id, 'worker-a', 200)));
      assert.deepEqual(answers, [...mine.map(() => true), ...theirs.map(() => false)]);
      for (const claimed of mine) assert.equal((await entry(claimed.id)).status, 'delivered');
      for (const claimed of theirs) assert.equal((await entry(claimed.id)).status, 'pending', "another worker's lease is left alone");
    });

    it('delivers every message of a burst exactly once with claims in batches of free slots', async () => {
      const receiver = await startReceiverFor(() => ({ status: 200, body: ack }));
      const worker = startWorker({ concurrency: 16 });
      const ids = await Promise.all(Array.from({ length: 60 }, () => outbox.enqueue(message(receiver))));
      void worker.deliverNow();
      for (const id of ids) assert.equal((await settled(id, 'delivered')).attempts, 1);
      assert.equal(receiver.received.length, 60);
      assert.equal(new Set(receiver.received.map((request) => request.body.toString('utf8'))).size, 60);
    });

    it('delivers nothing when the enqueueing transaction rolls back', async () => {
      const receiver = await startReceiverFor(() => ({ status: 200, body: ack }));
      const rolledBack = message(receiver);
      await assert.rejects(
        sequelize.transaction(async (transaction) => {
          await outbox.enqueue(rolledBack, { transaction });
          throw new Error('the business change failed');
        }),
        /the business change failed/,
      );
      const committed = message(receiver);
      const id = await sequelize.transaction((transaction) => outbox.enqueue(committed, { transaction }));
      const worker = startWorker();
      await worker.deliverNow();

      await settled(id, 'delivered');
      assert.equal(receiver.received.length, 1);
      assert.ok(receiver.received[0]!.body.equals(committed.body));
      assert.deepEqual(await outbox.depth(), { pending: 0, dead: 0 });
    });

    it('re-queues a dead letter on retryDead and delivers it once the receiver is back', async () => {
      let up = false;
      const receiver = await startReceiverFor(() => (up ? { status: 200, body: ack } : { status: 502, body: 'bad gateway' }));
      const depths: { pending: number; dead: number }[] = [];
      const first = startWorker({ onDepth: (depth) => depths.push(depth) });
      const id = await outbox.enqueue(message(receiver, 'on_confirm', { maxAttempts: 2 }));
      const dead = await settled(id, 'dead');
      assert.equal(dead.deadReason, 'gave up after 2 attempts');
      await waitUntil('the worker reports the dead letter', () => depths.some((depth) => depth.dead === 1), { timeoutMs: 15_000 });
      await first.stop(10_000);

      assert.deepEqual(await outbox.depth(), { pending: 0, dead: 1 });
      assert.deepEqual((await outbox.deadLetters(10)).map((letter) => letter.id), [id]);
      up = true;
      assert.equal(await outbox.retryDead(id), true);
      assert.deepEqual(await outbox.depth(), { pending: 1, dead: 0 });

      startWorker();
      const delivered = await settled(id, 'delivered');
      assert.equal(delivered.attempts, 1, 're-queued with a fresh attempt budget');
      assert.equal(await outbox.retryDead(id), false, 'only dead letters are re-queued');
      assert.deepEqual(await outbox.depth(), { pending: 0, dead: 0 });
      assert.deepEqual((await records()).map((record) => [record.attempt, record.http_status]), [
        [1, 502],
        [2, 502],
        [1, 200],
      ]);
    });

    it("forwards a sender's Authorization unchanged and puts the gateway's signature in X-Gateway-Authorization", async () => {
      const receiver = await startReceiverFor(() => ({ status: 200, body: ack }));
      const input = message(receiver, 'search');
      const senderSignature = bap.sign(input.body);
      const id = await outbox.enqueue({ ...input, role: 'gateway', extraHeaders: { Authorization: senderSignature } });
      startWorker();

      await settled(id, 'delivered');
      const [request] = receiver.received;
      assert.ok(request);
      assert.equal(request.headers.authorization, senderSignature);
      assertValid(request.authorization);
      assert.equal(assertValid(request.gatewayAuthorization).subscriberId, gateway.subscriberId);
      const [record] = await records();
      assert.equal(record?.sender, gateway.subscriberId);
      assert.equal(record?.receiver, 'bpp.test.beckn-ride', 'a request goes to the BPP');
      assert.equal(record?.signature.key_id, `${bap.subscriberId}|${bap.uniqueKeyId}|ed25519`);
      assert.equal(record?.signature.gateway_key_id, `${gateway.subscriberId}|${gateway.uniqueKeyId}|ed25519`);
    });

    it('moves a message of a role without a signing key to the dead letters without sending it', async () => {
      const receiver = await startReceiverFor(() => ({ status: 200, body: ack }));
      const client = createBecknHttpClient({ timeoutMs: 2_000, logger });
      const worker = createDeliveryWorker({
        outbox,
        client,
        signers: { bap },
        messageLog,
        logger,
        options: { pollIntervalMs: 50, concurrency: 2, leaseMs: 10_000, baseBackoffMs: 20, maxBackoffMs: 100 },
      });
      cleanups.push(async () => {
        await worker.stop(5_000);
        client.close();
      });
      worker.start();
      const id = await outbox.enqueue(message(receiver));

      const dead = await settled(id, 'dead');
      assert.equal(dead.deadReason, 'cannot sign');
      assert.match(dead.lastError ?? '', /no signing key is configured for role bpp/);
      assert.equal(receiver.received.length, 0);
    });

    it('refuses entries that could never be delivered at enqueue time', async () => {
      const target = { url: 'http://127.0.0.1:9' };
      await assert.rejects(outbox.enqueue(message(target, 'on_search', { targetUrl: 'ftp://example.test/x' })), /http\(s\)/);
      await assert.rejects(outbox.enqueue(message(target, 'on_search', { extraHeaders: { 'Content-Length': '1' } })), /content-length/);
      await assert.rejects(outbox.enqueue(message(target, 'on_search', { extraHeaders: { 'x-bad': 'a\r\nb' } })), /control characters/);
      await assert.rejects(outbox.enqueue(message(target, 'on_search', { maxAttempts: 0 })), /maxAttempts/);
      assert.deepEqual(await outbox.depth(), { pending: 0, dead: 0 });
    });
  });
}

outboundCases(serverBackend());
outboundCases(embeddedBackend(logger));
