import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePiiRules, loadPiiRules, maskJson, type PiiRules } from '../../src/audit/read/index.js';
import { maskedBody } from '../../src/audit/read/pii-masking.js';
import { messageRecord, ridePayload } from './audit-read-fixtures.js';

describe('PII masking rules', () => {
  let rules: PiiRules;

  before(async () => {
    rules = await loadPiiRules();
  });

  it('masks phones (keeping the last two digits), person and billing names (initials), emails (first letter and domain)', () => {
    const masked = maskJson(ridePayload, rules) as typeof ridePayload;
    const fulfillment = masked.order.fulfillments[0];
    assert.equal(fulfillment?.customer.contact.phone, '********10');
    assert.equal(fulfillment?.agent.contact.phone, '********89');
    assert.equal(masked.order.billing.phone, '************10');
    assert.equal(fulfillment?.customer.person.name, 'A*** V***');
    assert.equal(fulfillment?.agent.person.name, 'R*** K*** S***');
    assert.equal(masked.order.billing.name, 'A*** V***');
    assert.equal(masked.order.billing.email, 'a***@example.com');
    assert.deepEqual(masked.order.billing.address, { door: '***', city: '***' });
    assert.equal(masked.note, 'write to r***@example.org if lost');
  });

  it('leaves what is not PII alone: ids, states, places, provider and language names', () => {
    const masked = maskJson(ridePayload, rules) as typeof ridePayload;
    const fulfillment = masked.order.fulfillments[0];
    assert.equal(masked.order.id, 'O1');
    assert.equal(fulfillment?.customer.person.language.name, 'Hindi');
    assert.deepEqual(fulfillment?.state, ridePayload.order.fulfillments[0]?.state);
    assert.deepEqual(fulfillment?.stops, ridePayload.order.fulfillments[0]?.stops);
    assert.equal(masked.order.provider.descriptor.name, 'City Cabs');
    assert.equal(ridePayload.order.billing.name, 'Asha Verma', 'the input was changed');
  });

  it('turns a stored JSON body into valid masked JSON, and withholds bodies it cannot parse', () => {
    const json = messageRecord({ raw_body: JSON.stringify({ context: {}, message: ridePayload }) });
    const view = maskedBody(json, rules);
    assert.equal(view.body_view, 'masked');
    assert.ok(!view.raw_body.includes('9876543210') && !view.raw_body.includes('Asha'));
    assert.equal((JSON.parse(view.raw_body) as { message: typeof ridePayload }).message.order.id, 'O1');

    const torn = messageRecord({ raw_body: '{"message":{"phone":"9876543210"', body_truncated: true });
    assert.deepEqual(maskedBody(torn, rules), { raw_body: '', body_view: 'withheld' });
    const binary = messageRecord({ raw_body: Buffer.from([0xff, 0x01]).toString('base64'), body_encoding: 'base64' });
    assert.deepEqual(maskedBody(binary, rules), { raw_body: '', body_view: 'withheld' });
    const text = messageRecord({ raw_body: 'call 9876543210' });
    assert.deepEqual(maskedBody(text, rules), { raw_body: '', body_view: 'withheld' });
  });

  it('applies rules given as data: wildcards, patterns and styles', () => {
    const custom = compilePiiRules(
      {
        rules: [
          { id: 'vehicle', paths: ['order.*.vehicle.registration'], mask: { style: 'keep-last', keep: 4 } },
          { id: 'otp', paths: ['**.tags'], pattern: '\\b\\d{4}\\b', mask: { style: 'redact' } },
        ],
      },
      'inline',
    );
    const masked = maskJson({ order: { ride: { vehicle: { registration: 'KA01AB1234' } }, tags: ['otp 4821', 'seat 2'] } }, custom);
    assert.deepEqual(masked, { order: { ride: { vehicle: { registration: '******1234' } }, tags: ['otp ***', 'seat 2'] } });
  });

  it('refuses a rules file that is not valid, naming the problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'beckn-ride-test-pii-'));
    try {
      const cases: [unknown, RegExp][] = [
        [{ rules: [{ id: 'x', paths: ['**.phone'], mask: { style: 'scramble' } }] }, /invalid/],
        [{ rules: [{ id: 'x', paths: ['a..b'], mask: { style: 'redact' } }] }, /invalid/],
        [{ rules: [{ id: 'x', paths: ['a'], pattern: '(', mask: { style: 'redact' } }] }, /invalid pattern/],
        [{ rules: [{ id: 'x', paths: ['a'], mask: { style: 'redact' } }, { id: 'x', paths: ['b'], mask: { style: 'redact' } }] }, /twice/],
      ];
      for (const [content, message] of cases) {
        const path = join(dir, 'rules.json');
        await writeFile(path, JSON.stringify(content));
        await assert.rejects(loadPiiRules(path), message);
      }
      await writeFile(join(dir, 'broken.json'), '{ not json');
      await assert.rejects(loadPiiRules(join(dir, 'broken.json')), /cannot be read as JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
