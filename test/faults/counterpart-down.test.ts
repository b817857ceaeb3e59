import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { QueryTypes } from 'sequelize';
import type { BecknAction } from '../../src/protocol/index.js';
import { loadExamples, restamp } from '../support/beckn-examples.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import { waitForProtocolIdle } from '../support/protocol-idle.js';
import { waitUntil } from '../support/wait-until.js';

const examples = loadExamples();
const ondc = (action: string) => {
  const found = examples.find((e) => e.action === action && e.domain === 'ONDC:TRV10');
  if (!found) throw new Error(`no ONDC ${action} example`);
  return found;
};

const OUTAGE_MS = 60_000;
const requests: BecknAction[] = ['search', 'select', 'status'];

interface OutboxRow {
  id: string;
  action: string;
  message_id: string;
  status: string;
  attempts: number;
}

interface DeadLetter {
  id: string;
  role: string;
  action: string;
  target_subscriber_id: string | null;
  target_url: string;
  transaction_id: string | null;
  message_id: string | null;
  attempts: number;
  max_attempts: number;
  dead_reason: string | null;
  last_error: string | null;
  last_http_status: number | null;
  created_at: string;
  dead_since: string;
}

/** Our BPP with a search, select and status handler answering the ONDC examples, toward a fake BAP it owes callbacks. */
function startBpp(env: Record<string, string>): Promise<BecknHarness> {
  return startBecknHarness({
    riderSide: false,
    env: { DELIVERY_TIMEOUT_MS: '2000', ...env },
    beforeStart: (ctx) => {
      for (const action of requests) {
        ctx.beckn.protocol.handlers.onRequest(action, async () => ({ message: restamp(ondc(`on_${action}`), {}).message }));
      }
    },
  });
}

/** A signed request from the harness's fake BAP to our BPP; resolves its message id once ACKed. */
async function request(net: BecknHarness, action: BecknAction): Promise<string> {
  const messageId = randomUUID();
  const extra = action === 'search' ? { bpp_id: undefined, bpp_uri: undefined } : {};
  const body = restamp(ondc(action), net.toOurBpp({ message_id: messageId, ttl: 'PT30M', ...extra }));
  const answer = await net.bap.post(`${net.ourBpp.url}/${action}`, body);
  assert.equal(answer.status, 200, `${action}: ${JSON.stringify(answer.body)}`);
  return messageId;
}

async function outboxRows(net: BecknHarness, messageIds: string[]): Promise<OutboxRow[]> {
  return net.app.ctx.sequelize.query<OutboxRow>('SELECT id, action, message_id, status, attempts FROM beckn_protocol.outbox WHERE message_id IN (:ids)', {
    replacements: { ids: messageIds },
    type: QueryTypes.SELECT,
  });
}

function received(net: BecknHarness, messageId: string, action?: string): number {
  return net.bap.received.filter((m) => m.body.context.message_id === messageId && (action === undefined || m.action === action)).length;
}

/**
 * The BAP we owe callbacks to is unreachable for a minute (its HTTP server
 * closed: connections refused). With the default budget the callbacks retry
 * with backoff and arrive once it is back, exactly once each; with a small
 * DELIVERY_MAX_ATTEMPTS they go to the dead letters, which the operator API
 * lists and replays.
 */
describe('fault: the counterpart BAP unreachable for 60 s', function () {
  this.timeout(300_000);
  let retrying: BecknHarness | undefined;
  let dying: BecknHarness | undefined;

  before(async () => {
    [retrying, dying] = await Promise.all([
      startBpp({ DELIVERY_MAX_ATTEMPTS: '50', DELIVERY_BASE_BACKOFF_MS: '500', DELIVERY_MAX_BACKOFF_MS: '8000' }),
      startBpp({ DELIVERY_MAX_ATTEMPTS: '3', DELIVERY_BASE_BACKOFF_MS: '100', DELIVERY_MAX_BACKOFF_MS: '200' }),
    ]);
  });
  after(async () => {
    await Promise.all([retrying?.close(), dying?.close()]);
  });

  it('retries callbacks with backoff through the outage and delivers each once; dead letters are listed and replayed once', async () => {
    const a = retrying as BecknHarness;
    const b = dying as BecknHarness;
    const admin = (net: BecknHarness) => ({ authorization: `Bearer ${net.app.ctx.config.secrets.adminToken}` });
    const list = async (query = '') => {
      const response = await fetch(`${b.app.baseUrl}/admin/dead-letters${query}`, { headers: admin(b) });
      assert.equal(response.status, 200, await response.clone().text());
      return { text: await response.clone().text(), page: (await response.json()) as { dead_letters: DeadLetter[]; next_before: string | null } };
    };
    const replay = (id: string, headers: Record<string, string> = admin(b)) => fetch(`${b.app.baseUrl}/admin/dead-letters/${id}/replay`, { method: 'POST', headers });

    // The fault: both fake BAPs stop listening; our BPPs owe them callbacks for requests they ACKed.
    await Promise.all([a.bap.stopListening(), b.bap.stopListening()]);
    const downAt = Date.now();
    const owed: string[] = [];
    for (const action of requests) for (let i = 0; i < 2; i += 1) owed.push(await request(a, action));
    const deadSearch = await request(b, 'search');
    const deadStatus = await request(b, 'status');

    // Small budget: both callbacks die within their three attempts.
    await waitUntil(
      'both callbacks of the small budget are dead letters',
      async () => (await outboxRows(b, [deadSearch, deadStatus])).filter((row) => row.status === 'dead').length === 2,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const { page, text } = await list();
    const letters = page.dead_letters;
    assert.deepEqual(letters.map((l) => l.message_id).sort(), [deadSearch, deadStatus].sort());
    const letter = letters.find((l) => l.message_id === deadSearch) as DeadLetter;
    assert.equal(letter.action, 'on_search');
    assert.equal(letter.role, 'bpp');
    assert.equal(letter.target_subscriber_id, b.bap.subscriberId);
    assert.equal(letter.target_url, `${b.bap.url}/on_search`);
    assert.equal(letter.attempts, 3);
    assert.equal(letter.max_attempts, 3);
    assert.match(letter.dead_reason ?? '', /gave up after 3 attempts/);
    assert.ok(letter.last_error, 'the last error is shown');
    assert.ok(!Number.isNaN(Date.parse(letter.dead_since)));
    assert.deepEqual(Object.keys(letter).sort(), [
      'action', 'attempts', 'created_at', 'dead_reason', 'dead_since', 'id', 'last_error', 'last_http_status', 'max_attempts', 'message_id', 'role', 'target_subscriber_id', 'target_url', 'transaction_id',
    ]);
    const catalogName = String((restamp(ondc('on_search'), {}).message as { catalog?: { descriptor?: { name?: string } } }).catalog?.descriptor?.name ?? '');
    assert.ok(catalogName.length > 0 && !text.includes(catalogName), 'no part of the body is listed');
    // A page of one, then the rest after its cursor.
    const first = await list('?limit=1');
    assert.equal(first.page.dead_letters.length, 1);
    assert.ok(first.page.next_before);
    const second = await list(`?limit=1&before=${encodeURIComponent(first.page.next_before as string)}`);
    assert.deepEqual([...first.page.dead_letters, ...second.page.dead_letters].map((l) => l.id).sort(), letters.map((l) => l.id).sort());
    assert.equal(second.page.next_before, null);

    // The operator API's refusals.
    assert.equal((await fetch(`${b.app.baseUrl}/admin/dead-letters`)).status, 401);
    assert.equal((await replay(letter.id, {})).status, 401);
    assert.equal((await replay(letter.id, { authorization: 'Bearer not-the-admin-token-at-all-xx' })).status, 401);
    assert.equal((await replay('not-a-uuid')).status, 400);
    assert.equal((await fetch(`${b.app.baseUrl}/admin/dead-letters?limit=0`, { headers: admin(b) })).status, 400);
    assert.equal((await fetch(`${b.app.baseUrl}/admin/dead-letters?before=yesterday`, { headers: admin(b) })).status, 400);
    assert.equal((await replay(randomUUID())).status, 404);

    // Default budget: every callback is retried, with backoff, while the BAP is down.
    await waitUntil(
      'every owed callback has been attempted at least three times',
      async () => {
        const rows = await outboxRows(a, owed);
        return rows.length === owed.length && rows.every((row) => row.status === 'pending' && row.attempts >= 3);
      },
      { timeoutMs: OUTAGE_MS, intervalMs: 250 },
    );
    const left = OUTAGE_MS - (Date.now() - downAt);
    if (left > 0) await sleep(left);
    const attemptsWhileDown = await outboxRows(a, owed);
    assert.ok(attemptsWhileDown.every((row) => row.status === 'pending'), 'nothing was given up on during the minute');
    assert.equal(a.bap.received.length + b.bap.received.length, 0, 'nothing reached the fake BAPs while they were down');
    await Promise.all([a.bap.listenAgain(), b.bap.listenAgain()]);
    const downMs = Date.now() - downAt;

    await waitUntil('every owed callback reached the BAP', () => owed.every((id) => received(a, id) >= 1), { timeoutMs: 60_000, intervalMs: 100 });
    const arrivedMs = Date.now() - downAt;
    await waitForProtocolIdle(a.app.ctx, 60_000);
    const delivered = await outboxRows(a, owed);
    assert.deepEqual(owed.map((id) => received(a, id)), owed.map(() => 1), 'each callback arrived exactly once');
    for (const action of requests) {
      assert.equal(a.bap.received.filter((m) => m.action === `on_${action}`).length, 2, `two on_${action}`);
    }
    assert.ok(delivered.every((row) => row.status === 'delivered'), JSON.stringify(delivered));
    const attempts = delivered.map((row) => row.attempts);
    // Polled every 50 ms without backoff, each would have spent its 50 attempts within seconds and died.
    assert.ok(Math.max(...attempts) <= 40, `attempts ${attempts.join(',')} are spaced by backoff, not the 50 ms poll`);

    // The attempts' own records (message log): gaps grow from the base towards the cap.
    const outboundAttempts = (await a.records()).filter((r) => r.direction === 'outbound' && owed.includes(r.message_id ?? ''));
    assert.equal(outboundAttempts.length, attempts.reduce((sum, n) => sum + n, 0), 'one message log record per attempt');
    const gaps: { attempt: number; ms: number }[] = [];
    for (const id of owed) {
      const times = outboundAttempts.filter((r) => r.message_id === id).sort((x, y) => x.attempt - y.attempt).map((r) => Date.parse(r.started_at));
      for (let i = 1; i < times.length; i += 1) gaps.push({ attempt: i, ms: (times[i] as number) - (times[i - 1] as number) });
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
    const earlyGap = mean(gaps.filter((g) => g.attempt <= 2).map((g) => g.ms));
    const lateGap = mean(gaps.filter((g) => g.attempt >= 5).map((g) => g.ms));
    assert.ok(lateGap > 2 * earlyGap, `later retries wait longer (mean gap ${Math.round(earlyGap)} ms early, ${Math.round(lateGap)} ms from the 5th)`);

    // The dead letters are not retried by themselves; the operator replays them once each.
    assert.equal(received(b, deadSearch) + received(b, deadStatus), 0);
    const replayed = await replay(letter.id);
    assert.equal(replayed.status, 202);
    assert.deepEqual(await replayed.json(), { id: letter.id, status: 'pending' });
    const again = await replay(letter.id);
    assert.equal(again.status, 409, 'a second replay of a queued letter queues nothing');
    await waitUntil('the replayed on_search reached the BAP', () => received(b, deadSearch, 'on_search') >= 1, { timeoutMs: 30_000, intervalMs: 50 });
    await waitForProtocolIdle(b.app.ctx, 30_000);
    assert.equal((await replay(letter.id)).status, 409, 'a delivered message is not replayed');
    assert.equal(received(b, deadSearch), 1, 'the replayed callback arrived exactly once');
    const [row] = await outboxRows(b, [deadSearch]);
    assert.equal(row?.status, 'delivered');
    assert.equal(row?.attempts, 1, 'attempts were reset by the replay');
    const after = (await list()).page.dead_letters;
    assert.deepEqual(after.map((l) => l.message_id), [deadStatus], 'the replayed letter left the list; the other stays');

    const statusLetter = after[0] as DeadLetter;
    assert.equal((await replay(statusLetter.id)).status, 202);
    await waitUntil('the replayed on_status reached the BAP', () => received(b, deadStatus, 'on_status') >= 1, { timeoutMs: 30_000, intervalMs: 50 });
    await waitForProtocolIdle(b.app.ctx, 30_000);
    assert.equal(received(b, deadStatus), 1);
    assert.deepEqual((await list()).page.dead_letters, []);

    console.log(
      `faults: BAP unreachable ${Math.round(downMs / 1000)} s; ${owed.length} callbacks (on_search, on_select, on_status) retried ${Math.min(...attempts)}-${Math.max(...attempts)} attempts each ` +
        `(mean gap ${Math.round(earlyGap)} ms at attempts 1-2, ${Math.round(lateGap)} ms from the 5th), all delivered ${Math.round((arrivedMs - downMs) / 1000)} s after it returned, ` +
        `exactly once each (${a.bap.received.length} received); with DELIVERY_MAX_ATTEMPTS=3: 2 dead letters listed, replayed, each received once, list empty`,
    );
  });
});
