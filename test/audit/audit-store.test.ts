import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouseAuditStore, createFileAuditStore } from '../../src/audit/read/index.js';
import { openFileMessageLog } from '../../src/protocol/message-log/index.js';
import { auditClickHouse, messageRecord } from './audit-read-fixtures.js';
import { auditStoreContract } from './audit-store.contract.js';

auditStoreContract('file message log (embedded profile)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'beckn-ride-test-audit-store-'));
  const log = await openFileMessageLog(join(dir, 'message-log.jsonl'));
  return {
    store: createFileAuditStore(join(dir, 'message-log.jsonl')),
    async insert(records) {
      await Promise.all(records.map((record) => log.append(record)));
      await log.flush();
    },
    async close() {
      await log.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

auditStoreContract('ClickHouse beckn_message_log (full profile)', async () => {
  const clickhouse = await auditClickHouse('audit_store');
  return { store: createClickHouseAuditStore(clickhouse.client), insert: clickhouse.insert, close: clickhouse.drop };
});

describe('file audit store edge cases', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'beckn-ride-test-audit-file-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a log file that does not exist yet as empty', async () => {
    const store = createFileAuditStore(join(dir, 'never-written.jsonl'));
    assert.deepEqual((await store.messages({ limit: 10 })).records, []);
    assert.equal(await store.byId('0b6f4c4e-2f51-4c53-9b0e-1f0c4a3f7f10'), null);
    assert.equal((await store.stats(new Date(0), new Date())).total, 0);
  });

  it('skips a line torn by a crash, reports it, and still reads the records around it', async () => {
    const path = join(dir, 'message-log.jsonl');
    const before = messageRecord();
    const after = messageRecord();
    await appendFile(path, `${JSON.stringify(before)}\n{"id":"torn-mid-wri${JSON.stringify(after)}\n${JSON.stringify(after)}\n`);
    const badLines: unknown[] = [];
    const logger = { warn: (fields: unknown) => badLines.push(fields) } as never;
    const store = createFileAuditStore(path, { logger });
    assert.deepEqual((await store.messages({ limit: 10 })).records.map((record) => record.id).sort(), [before.id, after.id].sort());
    assert.deepEqual(badLines, [{ path, line: 2 }]);
  });
});
