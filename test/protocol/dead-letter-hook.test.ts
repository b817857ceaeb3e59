import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createSequelize, runMigrations } from '../../src/infra/postgres/index.js';
import { HandlerRegistry } from '../../src/protocol/handlers.js';
import { openFileMessageLog, type MessageLog } from '../../src/protocol/message-log/index.js';
import {
  createBecknHttpClient,
  createDeliveryWorker,
  createOutbox,
  type DeadLetterListener,
  type Outbox,
  type OutboxEntry,
  type OutboxEntryInput,
} from '../../src/protocol/outbound/index.js';
import type { Signer } from '../../src/protocol/signing/index.js';
import { deferred, waitUntil } from '../support/wait-until.js';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { uniqueTestName } from '../support/services.js';
import { ack, becknBody, closedPortUrl, keysOf, nack, signerFor, startReceiver, type Receiver } from './outbound-fixtures.js';

const logger = createLogger('silent');
const bpp = signerFor('bpp.dead-letter.test');
const bap = signerFor('bap.dead-letter.test');
const keys = keysOf([bpp, bap]);

/** What a listener saw: the entry, and the entry's row as read inside the listener's own transaction. */
interface Heard {
  entry: OutboxEntry;
  statusInTransaction: string | undefined;
}

/**
 * The delivery worker tells the listener registered for an action when an
 * entry of that action goes to the dead letters, inside the transaction that
 * marks it dead.
 */
describe('dead-letter listeners of the outbound delivery worker', function () {
  this.timeout(60_000);
  let database: FreshDatabase;
  let sequelize: Sequelize;
  let logDir: string;
  let messageLog: MessageLog;
  let outbox: Outbox;
  let cleanups: (() => Promise<void> | void)[] = [];

  const reactions = async (): Promise<string[]> =>
    (await sequelize.query<{ outbox_id: string }>('SELECT outbox_id FROM dead_letter_reaction ORDER BY outbox_id', { type: QueryTypes.SELECT })).map(
      (row) => row.outbox_id,
    );

  /** A listener that records what it saw and writes a reaction row in the transaction it is given. */
  const recordingListener = (heard: Heard[], before?: () => Promise<void>): DeadLetterListener => {
    return async (entry: OutboxEntry, transaction: Transaction) => {
      const [row] = await sequelize.query<{ status: string }>('SELECT status FROM beckn_protocol.outbox WHERE id = $1', {
        type: QueryTypes.SELECT,
        bind: [entry.id],
        transaction,
      });
      heard.push({ entry, statusInTransaction: row?.status });
      await sequelize.query('INSERT INTO dead_letter_reaction (outbox_id) VALUES ($1)', { bind: [entry.id], transaction });
      if (before) await before();
    };
  };

  const startWorker = (handlers: HandlerRegistry, signers: Partial<Record<'bap' | 'bpp', Signer>> = { bpp, bap }) => {
    const client = createBecknHttpClient({ timeoutMs: 2_000, logger });
    const worker = createDeliveryWorker({
      outbox,
      client,
      signers,
      messageLog,
      logger,
      deadLetterListener: (action) => handlers.deadLetter(action),
      options: { pollIntervalMs: 50, concurrency: 4, leaseMs: 10_000, baseBackoffMs: 20, maxBackoffMs: 100, signatureTtlSeconds: 120 },
    });
    cleanups.push(async () => {
      await worker.stop(5_000);
      client.close();
    });
    worker.start();
    return worker;
  };

  const startReceiverFor = async (answer: Receiver['answer']): Promise<Receiver> => {
    const receiver = await startReceiver(keys, answer);
    cleanups.push(() => receiver.close());
    return receiver;
  };

  let sequence = 0;
  const message = (url: string, action: string, extra: Partial<OutboxEntryInput> = {}): OutboxEntryInput & { body: Buffer } => {
    sequence += 1;
    const ids = { transactionId: `txn-dl-${sequence}`, messageId: `msg-dl-${sequence}` };
    return { role: 'bpp', action, targetUrl: `${url}/beckn/bap/${action}`, maxAttempts: 5, ...extra, body: becknBody(action, ids) };
  };

  const settled = async (id: string, status: 'delivered' | 'dead'): Promise<OutboxEntry> => {
    await waitUntil(`outbox entry ${id} is ${status}`, async () => (await outbox.get(id))?.status === status, { timeoutMs: 30_000, intervalMs: 25 });
    const entry = await outbox.get(id);
    assert.ok(entry);
    return entry;
  };

  before(async () => {
    database = await freshServerDatabase('deadletter');
    sequelize = createSequelize({ url: database.url, logger, poolMax: 8, applicationName: 'beckn-ride-test' });
    await runMigrations({ sequelize, logger });
    await sequelize.query('CREATE TABLE dead_letter_reaction (outbox_id uuid PRIMARY KEY)');
    logDir = await mkdtemp(join(tmpdir(), 'beckn-ride-test-dead-letter-'));
  });

  beforeEach(async () => {
    await sequelize.query('DELETE FROM beckn_protocol.outbox');
    await sequelize.query('DELETE FROM dead_letter_reaction');
    messageLog = await openFileMessageLog(join(logDir, `${uniqueTestName('log')}.jsonl`));
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
    if (logDir) await rm(logDir, { recursive: true, force: true });
  });

  it('tells the on_confirm listener once of an on_confirm the BAP refuses with a NACK, with the entry, in the marking transaction', async () => {
    const receiver = await startReceiverFor(() => ({ status: 400, body: nack('30000', 'invalid request') }));
    const heard: Heard[] = [];
    const handlers = new HandlerRegistry();
    handlers.onDeadLetter('on_confirm', recordingListener(heard));
    const worker = startWorker(handlers);

    const sent = message(receiver.url, 'on_confirm');
    const id = await outbox.enqueue(sent);
    await settled(id, 'dead');
    // Later deliveries and polls do not tell the listener again.
    const later = await startReceiverFor(() => ({ status: 200, body: ack }));
    await settled(await outbox.enqueue(message(later.url, 'on_confirm')), 'delivered');
    await worker.deliverNow();

    assert.equal(heard.length, 1);
    const [{ entry, statusInTransaction }] = heard as [Heard];
    assert.equal(statusInTransaction, 'dead', 'the listener runs after the entry is marked dead, in the same transaction');
    assert.equal(entry.id, id);
    assert.equal(entry.role, 'bpp');
    assert.equal(entry.action, 'on_confirm');
    assert.equal(entry.transactionId, `txn-dl-${sequence - 1}`);
    assert.equal(entry.messageId, `msg-dl-${sequence - 1}`);
    assert.ok(entry.body.equals(sent.body), 'the listener gets the exact bytes that were refused');
    assert.equal(entry.status, 'dead');
    assert.equal(entry.deadReason, 'NACK 30000');
    assert.equal(entry.lastHttpStatus, 400);
    assert.equal(receiver.received.length, 1, 'a NACK is not retried');
    assert.deepEqual(await reactions(), [id], "the listener's write committed with the dead letter");
  });

  it('tells the listener once of an on_confirm whose BAP stays unreachable through every attempt', async () => {
    const heard: Heard[] = [];
    const handlers = new HandlerRegistry();
    handlers.onDeadLetter('on_confirm', recordingListener(heard));
    startWorker(handlers);

    const id = await outbox.enqueue(message(await closedPortUrl(), 'on_confirm', { maxAttempts: 3 }));
    const dead = await settled(id, 'dead');

    assert.equal(dead.attempts, 3);
    assert.equal(heard.length, 1);
    assert.equal(heard[0]?.entry.id, id);
    assert.equal(heard[0]?.entry.deadReason, 'gave up after 3 attempts');
    assert.equal(heard[0]?.entry.lastHttpStatus, null);
    assert.match(heard[0]?.entry.lastError ?? '', /ECONNREFUSED/);
    assert.deepEqual(await reactions(), [id]);
  });

  it('tells the listener of an entry that cannot be signed', async () => {
    const receiver = await startReceiverFor(() => ({ status: 200, body: ack }));
    const heard: Heard[] = [];
    const handlers = new HandlerRegistry();
    handlers.onDeadLetter('on_confirm', recordingListener(heard));
    startWorker(handlers, { bap });

    const id = await outbox.enqueue(message(receiver.url, 'on_confirm'));
    await settled(id, 'dead');

    assert.equal(heard.length, 1);
    assert.equal(heard[0]?.entry.deadReason, 'cannot sign');
    assert.equal(receiver.received.length, 0);
  });

  it("leaves a listener alone for other actions' dead letters and for delivered entries", async () => {
    const refusing = await startReceiverFor(() => ({ status: 400, body: nack('30000', 'invalid request') }));
    const accepting = await startReceiverFor(() => ({ status: 200, body: ack }));
    const confirmHeard: Heard[] = [];
    const statusHeard: Heard[] = [];
    const handlers = new HandlerRegistry();
    handlers.onDeadLetter('on_confirm', recordingListener(confirmHeard));
    handlers.onDeadLetter('on_status', recordingListener(statusHeard));
    startWorker(handlers);

    const searchId = await outbox.enqueue(message(refusing.url, 'on_search'));
    const statusId = await outbox.enqueue(message(refusing.url, 'on_status'));
    const confirmId = await outbox.enqueue(message(accepting.url, 'on_confirm'));
    await settled(searchId, 'dead');
    await settled(statusId, 'dead');
    await settled(confirmId, 'delivered');

    assert.equal(confirmHeard.length, 0, 'neither a dead on_search nor a delivered on_confirm reaches the on_confirm listener');
    assert.deepEqual(
      statusHeard.map((h) => h.entry.id),
      [statusId],
    );
    assert.deepEqual(await reactions(), [statusId]);
  });

  it('keeps the entry pending to everyone else until its listener has finished', async () => {
    const receiver = await startReceiverFor(() => ({ status: 400, body: nack('30000', 'invalid request') }));
    const heard: Heard[] = [];
    const entered = deferred();
    const release = deferred();
    const handlers = new HandlerRegistry();
    handlers.onDeadLetter(
      'on_confirm',
      recordingListener(heard, async () => {
        entered.resolve();
        await release.promise;
      }),
    );
    startWorker(handlers);

    const id = await outbox.enqueue(message(receiver.url, 'on_confirm'));
    await entered.promise;
    // Outside the listener's transaction nothing has happened yet: a crash now would leave the entry to be attempted again.
    assert.equal((await outbox.get(id))?.status, 'pending');
    assert.equal((await outbox.depth()).dead, 0);
    assert.deepEqual(await reactions(), []);
    release.resolve();

    await settled(id, 'dead');
    assert.deepEqual(await reactions(), [id]);
    assert.equal(heard.length, 1);
  });

  it("moves the entry to the dead letters all the same when its listener fails, undoing the listener's writes", async () => {
    const receiver = await startReceiverFor(() => ({ status: 400, body: nack('30000', 'invalid request') }));
    const heard: Heard[] = [];
    const handlers = new HandlerRegistry();
    handlers.onDeadLetter(
      'on_confirm',
      recordingListener(heard, async () => {
        throw new Error('booking store unavailable');
      }),
    );
    startWorker(handlers);

    const id = await outbox.enqueue(message(receiver.url, 'on_confirm'));
    const dead = await settled(id, 'dead');

    assert.equal(heard.length, 1);
    assert.equal(dead.deadReason, 'NACK 30000');
    assert.match(dead.lastError ?? '', /invalid request; dead-letter listener failed: booking store unavailable/);
    assert.deepEqual(await reactions(), [], "the failed listener's write is rolled back");
    assert.equal(receiver.received.length, 1, 'the refused message is not sent again');
  });

  it('takes one dead-letter listener per action', () => {
    const handlers = new HandlerRegistry();
    const listener: DeadLetterListener = async () => undefined;
    handlers.onDeadLetter('on_confirm', listener);
    assert.equal(handlers.deadLetter('on_confirm'), listener);
    assert.equal(handlers.deadLetter('on_status'), undefined);
    assert.throws(() => handlers.onDeadLetter('on_confirm', listener), /already registered/);
  });
});
