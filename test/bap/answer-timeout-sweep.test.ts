import assert from 'node:assert/strict';
import { ANSWER_TIMEOUT_JOB, scheduleAnswerTimeout } from '../../src/bap/booking/answer-timeout.js';
import type { AppContext } from '../../src/context.js';
import type { JobInput, Scheduler } from '../../src/infra/scheduler/index.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import { waitUntil } from '../support/wait-until.js';
import { fakeBppRider, type FakeBppRider } from './fake-bpp-rider.js';

/** A timeout job as our BAP asked the scheduler for it, and whether the row it watches was committed at that moment. */
interface ScheduledTimeout {
  id: string;
  action: string;
  messageId: string;
  rowCommitted: boolean;
}

const watchedRow: Record<string, string> = {
  select: 'SELECT 1 FROM atlas_app.quote WHERE select_message_id = $1',
  init: 'SELECT 1 FROM atlas_app.booking WHERE init_message_id = $1',
  confirm: 'SELECT 1 FROM atlas_app.booking WHERE confirm_message_id = $1',
};

describe('BAP: answer timeouts are scheduled once their row is committed, and a sweep ends waits whose job was lost', function () {
  this.timeout(180_000);
  let net: BecknHarness;
  let rider: FakeBppRider;
  /** The BAP's clock runs this far ahead of the real one. */
  let skewMs = 0;
  const timeouts: ScheduledTimeout[] = [];
  /** Jobs other than timeouts the rider side scheduled: the sweep scheduling its next run. */
  let otherJobs = 0;

  /**
   * The real scheduler, seen through a window that notes each timeout job
   * and asks Postgres, on a connection of its own, whether the row the job
   * watches is there for another replica (and the job) to see.
   */
  const observed = (ctx: AppContext, real: Scheduler): Scheduler => ({
    schedule: async (job: JobInput) => {
      if (job.type === ANSWER_TIMEOUT_JOB) {
        const { action, messageId } = job.payload as { action: string; messageId: string };
        const [rows] = await ctx.sequelize.query(watchedRow[action] ?? 'SELECT 1 WHERE $1::text IS NULL', { bind: [messageId] });
        timeouts.push({ id: job.id ?? '', action, messageId, rowCommitted: rows.length === 1 });
      } else {
        otherJobs += 1;
      }
      return real.schedule(job);
    },
    cancel: (id) => real.cancel(id),
    register: (type, handler) => real.register(type, handler),
    start: () => real.start(),
    stop: (timeoutMs) => real.stop(timeoutMs),
    stats: () => real.stats(),
    deadJobs: (limit) => real.deadJobs(limit),
  });
  const messageIdsOf = async (bookingId: string) => {
    const [rows] = await net.app.ctx.sequelize.query(
      `SELECT q.select_message_id, b.init_message_id, b.confirm_message_id FROM atlas_app.booking b JOIN atlas_app.quote q ON q.id = b.quote_id WHERE b.id = $1`,
      { bind: [bookingId] },
    );
    return rows[0] as { select_message_id: string; init_message_id: string; confirm_message_id: string | null };
  };
  const timeoutFor = async (action: string, messageId: string) => {
    await waitUntil(`the ${action} timeout is scheduled`, () => timeouts.some((t) => t.action === action && t.messageId === messageId));
    return timeouts.find((t) => t.action === action && t.messageId === messageId)!;
  };
  const statusOf = async (table: 'quote' | 'booking', id: string) => {
    const [rows] = await net.app.ctx.sequelize.query(`SELECT status, error_code, error_message FROM atlas_app.${table} WHERE id = $1`, { bind: [id] });
    return rows[0] as { status: string; error_code: string | null; error_message: string | null };
  };

  before(async () => {
    net = await startBecknHarness({
      beforeStart: (ctx) => {
        ctx.bap.scheduler = observed(ctx, ctx.bap.scheduler);
        ctx.bap.now = () => Date.now() + skewMs;
        ctx.bap.answerSweepIntervalMs = 200;
      },
    });
    rider = await fakeBppRider(net, 'Asha Rao');
  });
  after(async () => {
    await net?.close();
  });

  it('schedules the select, init and confirm timeouts only once the quote or booking they watch is committed', async () => {
    const { bookingId } = await rider.confirming({ lat: 12.91, lon: 77.61 });
    const ids = await messageIdsOf(bookingId);
    assert.ok(ids.confirm_message_id, 'the confirm went out');
    for (const [action, messageId] of [['select', ids.select_message_id], ['init', ids.init_message_id], ['confirm', ids.confirm_message_id]] as const) {
      assert.equal((await timeoutFor(action, messageId)).rowCommitted, true, `the ${action} timeout was scheduled before its row was committed`);
    }
  });

  it('schedules nothing when the transaction that would have started the wait rolls back', async () => {
    const before = timeouts.length;
    const ctx = net.app.ctx;
    await assert.rejects(
      ctx.sequelize.transaction(async (transaction) => {
        await scheduleAnswerTimeout(ctx.bap, transaction, 'select', 'a-select-never-sent');
        throw new Error('the request could not be recorded');
      }),
      /could not be recorded/,
    );
    assert.equal(timeouts.length, before, `no timeout job: ${JSON.stringify(timeouts.slice(before))}`);
  });

  it('fails a quote, an initiating and a confirming booking whose timeout job was lost, once overdue; leaves a confirmed booking alone', async () => {
    const pending = await rider.searched({ lat: 12.92, lon: 77.62 });
    const selected = await rider.call('POST', `/rider/estimates/${pending.estimateId}/select`);
    assert.equal(selected.status, 202, JSON.stringify(selected.body));
    const quoteId = selected.body.quoteId as string;
    const initiating = await rider.booked({ lat: 12.93, lon: 77.63 });
    const confirming = await rider.confirming({ lat: 12.94, lon: 77.64 });
    const confirmed = await rider.confirming({ lat: 12.95, lon: 77.65 });
    assert.equal((await rider.answer(await rider.sentToFake('confirm', confirmed.transactionId), 'on_confirm', 'X10')).status, 200);

    // The crash: each wait's timeout job is gone from the scheduler, as if the process died before it was scheduled.
    const [quoteWait] = (await net.app.ctx.sequelize.query('SELECT select_message_id FROM atlas_app.quote WHERE id = $1', { bind: [quoteId] }))[0] as { select_message_id: string }[];
    const lost = [
      await timeoutFor('select', quoteWait!.select_message_id),
      await timeoutFor('init', (await messageIdsOf(initiating.bookingId)).init_message_id),
      await timeoutFor('confirm', (await messageIdsOf(confirming.bookingId)).confirm_message_id ?? ''),
    ];
    for (const job of lost) assert.equal(await net.app.ctx.scheduler.cancel(job.id), true, `the ${job.action} timeout was pending`);

    // Sweeps come and go while nothing is overdue yet.
    const sweepsBefore = otherJobs;
    await waitUntil('the sweep ran twice more', () => otherJobs >= sweepsBefore + 2);
    assert.equal((await statusOf('quote', quoteId)).status, 'PENDING');
    assert.equal((await statusOf('booking', initiating.bookingId)).status, 'INITIATING');
    assert.equal((await statusOf('booking', confirming.bookingId)).status, 'CONFIRMING');

    // An hour later on the BAP's clock every one of them is long overdue.
    skewMs = 3_600_000;
    await waitUntil('the sweep failed the three waits', async () =>
      (await Promise.all([statusOf('quote', quoteId), statusOf('booking', initiating.bookingId), statusOf('booking', confirming.bookingId)])).every((row) => row.status === 'FAILED'),
    );
    const quote = (await rider.call('GET', `/rider/searches/${pending.searchId}/quotes`)).body.quotes.find((q: { id: string }) => q.id === quoteId);
    assert.equal(quote.status, 'FAILED');
    assert.equal(quote.error.code, 'TIMEOUT');
    assert.match(quote.error.message, /did not answer the select/);
    const init = (await rider.call('GET', `/rider/bookings/${initiating.bookingId}`)).body;
    assert.deepEqual([init.status, init.error.code], ['FAILED', 'TIMEOUT']);
    assert.match(init.error.message, /did not answer the init/);
    const confirm = (await rider.call('GET', `/rider/bookings/${confirming.bookingId}`)).body;
    assert.deepEqual([confirm.status, confirm.error.code], ['FAILED', 'TIMEOUT']);
    assert.match(confirm.error.message, /did not answer the confirm/);
    assert.equal((await statusOf('booking', confirmed.bookingId)).status, 'CONFIRMED', 'an answered booking is not a wait');
  });
});
