import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createSequelize, runMigrations } from '../../src/infra/postgres/index.js';
import type { InboundMessage } from '../../src/protocol/inbound/inbound-message.js';
import { createInbox, type Inbox } from '../../src/protocol/inbound/index.js';
import type { SubscriberRecord } from '../../src/protocol/registry-client/index.js';
import { embeddedBackend, serverBackend, type FreshDatabase, type PostgresBackend } from '../infra/postgres-backends.js';

const logger = createLogger('silent');

function message(transactionId: string, messageId: string, text: string, sender = 'bap.inbox-test'): InboundMessage {
  const raw = Buffer.from(JSON.stringify({ context: { transaction_id: transactionId, message_id: messageId }, message: { text } }));
  return {
    role: 'bpp',
    side: 'bpp',
    action: 'search',
    url: '/beckn/bpp/search',
    startedAt: new Date(),
    raw,
    truncated: false,
    size: raw.length,
    bodySha256: createHash('sha256').update(raw).digest('hex'),
    source: '127.0.0.1',
    contentType: 'application/json',
    headers: {},
    context: { transaction_id: transactionId, message_id: messageId },
    signer: { subscriberId: sender } as SubscriberRecord,
    keyId: null,
    verdict: 'valid',
    gatewayKeyId: null,
    gatewayVerdict: 'not_checked',
    duplicate: false,
  };
}

function inboxAcceptCases(backend: PostgresBackend): void {
  describe(`inbox accept grouped across concurrent requests on ${backend.name}`, function () {
    this.timeout(60_000);
    let database: FreshDatabase;
    let sequelize: Sequelize;
    let inbox: Inbox;

    const rows = async (transactionId: string) =>
      sequelize.query<{ message_id: string; sender: string; body: Buffer; trace_context: unknown }>(
        'SELECT message_id, sender, body, trace_context FROM beckn_protocol.inbox WHERE transaction_id = $1 ORDER BY message_id',
        { bind: [transactionId], type: 'SELECT' as never },
      );

    before(async () => {
      await backend.setUp();
      database = await backend.freshDatabase();
      sequelize = createSequelize({ url: database.url, logger, poolMax: 4, applicationName: 'beckn-ride-test' });
      await runMigrations({ sequelize, logger });
      inbox = createInbox({ sequelize, clock: () => new Date(), maxAttempts: 3 });
    });

    after(async () => {
      await sequelize?.close();
      await database?.dispose();
      await backend.tearDown();
    });

    it('stores every distinct message of concurrent accepts with its exact bytes', async () => {
      const transactionId = randomUUID();
      const messages = Array.from({ length: 40 }, (_, i) => message(transactionId, `m-${String(i).padStart(2, '0')}`, `body ${i}`));
      const answers = await Promise.all(messages.map((m) => inbox.accept('bpp', m)));
      assert.deepEqual(answers, messages.map(() => ({ stored: true })));
      const stored = await rows(transactionId);
      assert.equal(stored.length, 40);
      stored.forEach((row, i) => assert.deepEqual(Buffer.from(row.body), messages[i]?.raw));
    });

    it('stores one copy of a message accepted twice at once and answers the other with the held body digest', async () => {
      const transactionId = randomUUID();
      const first = message(transactionId, 'same', 'first bytes');
      const second = message(transactionId, 'same', 'other bytes');
      const answers = await Promise.all([inbox.accept('bpp', first), inbox.accept('bpp', second)]);
      assert.deepEqual(answers, [{ stored: true }, { stored: false, heldBodySha256: first.bodySha256 }]);
      assert.equal((await rows(transactionId)).length, 1);
    });

    it('does not store again a message the inbox holds, while another sender may use the same message_id', async () => {
      const transactionId = randomUUID();
      const held = message(transactionId, 'again', 'held');
      assert.deepEqual(await inbox.accept('bpp', held), { stored: true });
      const [retry, otherSender] = await Promise.all([
        inbox.accept('bpp', message(transactionId, 'again', 'held')),
        inbox.accept('bpp', message(transactionId, 'again', 'held', 'bap.another')),
      ]);
      assert.deepEqual(retry, { stored: false, heldBodySha256: held.bodySha256 });
      assert.deepEqual(otherSender, { stored: true });
      assert.deepEqual((await rows(transactionId)).map((row) => row.sender).sort(), ['bap.another', 'bap.inbox-test']);
    });
  });
}

inboxAcceptCases(serverBackend());
inboxAcceptCases(embeddedBackend(logger));
