import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { compilePiiRules, loadPiiRules, maskJson, type PiiRules } from '../../src/audit/read/index.js';
import { createMaskBudget } from '../../src/audit/read/mask-budget.js';
import { findEmailAddresses } from '../../src/audit/read/pii-finders.js';
import { maskedBody } from '../../src/audit/read/pii-masking.js';
import { messageRecord, ridePayload } from './audit-read-fixtures.js';

const mebibyte = 1024 * 1024;

/** The email rule as it was shipped as a regular expression: the finder must match exactly what it matched. */
const emailRegex = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/gu;

/**
 * Masks each body in a worker thread with the shipped rules and resolves
 * with the body views, or rejects once `deadlineMs` has passed: a worker can
 * be stopped mid-scan, so a super-linear masking fails at the deadline
 * instead of holding the test process for minutes.
 */
async function maskInWorker(bodies: string[], deadlineMs: number): Promise<string[]> {
  const masking = new URL('../../src/audit/read/pii-masking.ts', import.meta.url).href;
  const rules = new URL('../../src/audit/read/pii-rules.ts', import.meta.url).href;
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    import('tsx/esm/api').then(async ({ register }) => {
      register();
      const { maskedBody } = await import(${JSON.stringify(masking)});
      const { loadPiiRules } = await import(${JSON.stringify(rules)});
      const loaded = await loadPiiRules();
      parentPort.postMessage(workerData.map((raw_body) => maskedBody({ raw_body, body_encoding: 'utf8', body_truncated: false }, loaded).body_view));
    });`;
  const worker = new Worker(source, { eval: true, workerData: bodies });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<string[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      timer = setTimeout(() => reject(new Error(`masking ${bodies.length} bodies of 1 MiB took longer than ${deadlineMs} ms`)), deadlineMs);
    });
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}

/** An array nested `depth` levels deep around `inner`, as JSON text. */
const nestedArray = (depth: number, inner: string) => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

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

  it('masks the ride OTP in stops[].authorization.token, and any authorization.token at any depth', () => {
    const otp = '7391';
    const body = {
      order: { fulfillments: [{ stops: [{ type: 'START', authorization: { type: 'OTP', token: otp } }, { type: 'END' }] }] },
      authorization: { token: 482913 },
      deep: { a: [{ b: { authorization: { token: 'T-5521', valid_to: '2031-01-01T00:00:00Z' } } }] },
    };
    const masked = maskJson(body, rules) as typeof body;
    const start = masked.order.fulfillments[0]?.stops[0];
    assert.deepEqual(start, { type: 'START', authorization: { type: 'OTP', token: '***' } });
    assert.equal(masked.authorization.token, '***' as unknown as number);
    assert.deepEqual(masked.deep.a[0]?.b.authorization, { token: '***', valid_to: '2031-01-01T00:00:00Z' });
    assert.ok(!JSON.stringify(masked).includes(otp));
  });

  it('finds exactly the email addresses the shipped regular expression found', () => {
    const alphabet = ['a', 'Z', '7', '.', '-', '_', '%', '+', '@', ' ', 'é', 'co', 'org', '.c', '@x.', '..'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const cases = ['a@b.co', 'x@y@b.com', 'a@b.co1m.x', 'a@b.com.x1', 'a@b..com', 'first.last+tag@mail.example.org.', '@a.bc', 'a@.bc', 'a@b.c'];
    for (let i = 0; i < 20_000; i += 1) {
      const length = next() % 14;
      cases.push(Array.from({ length }, () => alphabet[next() % alphabet.length]).join(''));
    }
    for (const text of cases) {
      const expected = Array.from(text.matchAll(emailRegex), (match) => [match.index, match.index + match[0].length]);
      assert.deepEqual(findEmailAddresses(text), expected, JSON.stringify(text));
    }
  });

  it('masks 1 MiB bodies built to make a backtracking email pattern quadratic, in linear time', async function () {
    this.timeout(60_000);
    // Linear masking takes well under a second for all three; the quadratic regex took minutes for the first one alone.
    const bodies = ['a'.repeat(mebibyte), 'a@'.repeat(mebibyte / 2), `a@${'b.'.repeat(mebibyte / 2)}`].map((text) => JSON.stringify({ note: text }));
    assert.deepEqual(await maskInWorker(bodies, 20_000), ['masked', 'masked', 'masked']);
  });

  it('counts the work of masking: linear in the body size, whatever its content', () => {
    const texts = ['a'.repeat(mebibyte), 'a@'.repeat(mebibyte / 2), `x@${'b.'.repeat(mebibyte / 2)}`];
    const bodies = [
      ...texts.map((text) => JSON.stringify({ note: text, notes: [text.slice(0, 1000)] })),
      JSON.stringify(new Array(mebibyte / 2).fill(0)),
      JSON.stringify(Array.from({ length: mebibyte / 16 }, () => ({ phone: 1 }))),
    ];
    for (const raw_body of bodies) {
      const budget = createMaskBudget(Number.MAX_SAFE_INTEGER);
      assert.equal(maskedBody(messageRecord({ raw_body }), rules, budget).body_view, 'masked');
      assert.ok(budget.spent <= 10 * raw_body.length, `${budget.spent} units for ${raw_body.length} characters`);
    }
  });

  it('withholds bodies past the budget of a response (over_budget), never showing them unmasked', () => {
    const record = messageRecord({ raw_body: JSON.stringify({ context: {}, message: ridePayload }) });
    const measure = createMaskBudget(Number.MAX_SAFE_INTEGER);
    maskedBody(record, rules, measure);
    // Room for one and a half bodies: the second starts, runs out part way, and is not shown half-masked.
    const limit = Math.floor(1.5 * measure.spent);
    const budget = createMaskBudget(limit);
    const views = [1, 2, 3].map(() => maskedBody(record, rules, budget));
    assert.deepEqual(views.map((view) => view.body_view), ['masked', 'over_budget', 'over_budget']);
    assert.deepEqual(views[1], { raw_body: '', body_view: 'over_budget' });
    assert.ok(budget.spent <= limit);
  });

  it('masks bodies nested 20,000 levels deep, arrays and objects, instead of overflowing the stack', () => {
    const deepArray = nestedArray(20_000, '"9876543210"');
    const arrayView = maskedBody(messageRecord({ raw_body: deepArray }), rules);
    assert.equal(arrayView.body_view, 'masked');
    assert.equal(arrayView.raw_body, deepArray);

    const deepObject = `${'{"a":'.repeat(20_000)}{"phone":"9876543210","mail":"write to ravi.singh@example.org"}${'}'.repeat(20_000)}`;
    const objectView = maskedBody(messageRecord({ raw_body: deepObject }), rules);
    assert.equal(objectView.body_view, 'masked');
    assert.ok(objectView.raw_body.endsWith(`{"phone":"********10","mail":"write to r***@example.org"}${'}'.repeat(20_000)}`));
    assert.ok(!objectView.raw_body.includes('9876543210'));
  });

  it('refuses a rules file that is not valid, naming the problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'beckn-ride-test-pii-'));
    try {
      const cases: [unknown, RegExp][] = [
        [{ rules: [{ id: 'x', paths: ['**.phone'], mask: { style: 'scramble' } }] }, /invalid/],
        [{ rules: [{ id: 'x', paths: ['a..b'], mask: { style: 'redact' } }] }, /invalid/],
        [{ rules: [{ id: 'x', paths: ['a'], pattern: '(', mask: { style: 'redact' } }] }, /invalid pattern/],
        [{ rules: [{ id: 'x', paths: ['a'], mask: { style: 'redact' } }, { id: 'x', paths: ['b'], mask: { style: 'redact' } }] }, /twice/],
        [{ rules: [{ id: 'x', paths: ['a'], pattern: '[a-z]+@', mask: { style: 'redact' } }] }, /unbounded repetition/],
        [{ rules: [{ id: 'x', paths: ['a'], pattern: '(\\d)\\1{1,3}', mask: { style: 'redact' } }] }, /back-reference/],
        [{ rules: [{ id: 'x', paths: ['a'], pattern: 'a{2,}', mask: { style: 'redact' } }] }, /unbounded repetition/],
        [{ rules: [{ id: 'x', paths: ['a'], find: 'email-address', pattern: 'a', mask: { style: 'redact' } }] }, /either/],
        [{ rules: [{ id: 'x', paths: ['a'], find: 'phone-number', mask: { style: 'redact' } }] }, /invalid/],
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
