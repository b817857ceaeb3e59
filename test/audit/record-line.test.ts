import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { toRecordLine } from '../../src/audit/write/record-line.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { buildRecord } from './sink-support.js';

const maxBytes = 10_000;

function withBody(raw: string, encoding: MessageRecord['body_encoding']): MessageRecord {
  const bytes = encoding === 'base64' ? Buffer.from(raw, 'base64') : Buffer.from(raw);
  return { ...buildRecord(1, 'txn-record-line'), raw_body: raw, body_encoding: encoding, body_truncated: false, body_sha256: createHash('sha256').update(bytes).digest('hex') };
}

function parse(line: Buffer): MessageRecord {
  assert.equal(line.at(-1), 0x0a, 'ends in a newline');
  assert.ok(line.length <= maxBytes, `${line.length} bytes`);
  return JSON.parse(line.toString('utf8')) as MessageRecord;
}

describe('message record lines', () => {
  it('writes a record that fits as its JSON and a newline, untouched', () => {
    const record = withBody('{"context":{}}', 'utf8');
    const { line, bodyCutFrom } = toRecordLine(record, maxBytes);
    assert.equal(line.toString('utf8'), `${JSON.stringify(record)}\n`);
    assert.equal(bodyCutFrom, undefined);
  });

  it('cuts the tail of an oversized body heavy in escapes, keeps its start and digest, and marks it truncated', () => {
    const record = withBody(`{"note":"${'é\\"\\n'.repeat(5_000)}"}`, 'utf8');
    const { line, bodyCutFrom } = toRecordLine(record, maxBytes);
    const stored = parse(line);
    assert.equal(bodyCutFrom, record.raw_body.length);
    assert.equal(stored.body_truncated, true);
    assert.equal(stored.body_sha256, record.body_sha256);
    assert.ok(record.raw_body.startsWith(stored.raw_body));
    assert.ok(line.length > maxBytes * 0.9, `uses most of the room: ${line.length} bytes`);
    assert.deepEqual({ ...stored, raw_body: '', body_truncated: false }, { ...record, raw_body: '' });
  });

  it('never splits a surrogate pair of a UTF-8 body', () => {
    for (let shift = 0; shift < 4; shift++) {
      const record = withBody(`${'a'.repeat(shift)}${'😀'.repeat(6_000)}`, 'utf8');
      const stored = parse(toRecordLine(record, maxBytes).line);
      assert.equal(Buffer.from(stored.raw_body).toString('utf8'), stored.raw_body, 'no lone surrogate');
      assert.ok(record.raw_body.startsWith(stored.raw_body));
    }
  });

  it('cuts a base64 body on whole quads, so it still decodes to the first bytes of the body', () => {
    const bytes = Buffer.from(Array.from({ length: 30_000 }, (_, i) => (i * 7) % 256));
    const record = withBody(bytes.toString('base64'), 'base64');
    const stored = parse(toRecordLine(record, maxBytes).line);
    assert.equal(stored.raw_body.length % 4, 0);
    const kept = Buffer.from(stored.raw_body, 'base64');
    assert.ok(kept.length > 5_000);
    assert.deepEqual(kept, bytes.subarray(0, kept.length));
  });

  it('refuses a record too large even without its body', () => {
    const record = { ...withBody('{}', 'utf8'), headers: { 'x-padding': 'x'.repeat(maxBytes) } };
    assert.throws(() => toRecordLine(record, maxBytes), /without its body, more than 10000/);
  });
});
