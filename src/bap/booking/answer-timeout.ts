import type { Transaction } from 'sequelize';
import { periodicJob, type JobHandler, type PeriodicJob } from '../../infra/scheduler/index.js';
import { parseIsoDuration } from '../../protocol/inbound/index.js';
import { BAP_SCHEMA, bookingChannel, searchChannel, type BapDeps, type BapSettings } from '../bap-deps.js';
import { announce } from '../callback-record.js';

/** The scheduler job that ends a quote or booking whose BPP acknowledged the request but never answered it. */
export const ANSWER_TIMEOUT_JOB = 'bap-answer-timeout';
/** The error code of a quote or booking whose request went unanswered. */
export const TIMEOUT = 'TIMEOUT';
/** Time past the request's ttl before giving up: an answer sent just in time may still be on its way. */
export const ANSWER_GRACE_MS = 5_000;

export type AnsweredRequest = 'select' | 'init' | 'confirm';

interface AnswerTimeout {
  action: AnsweredRequest;
  messageId: string;
}

/** How often the sweep looks in Postgres for waits whose timeout job never came (BapDeps.answerSweepIntervalMs in tests). */
export const ANSWER_SWEEP_INTERVAL_MS = 60_000;
/** How long past its timeout a wait must be before the sweep ends it: its own job, when there is one, goes first. */
export const ANSWER_SWEEP_LAG_MS = 30_000;
/** The scheduler job that runs the sweep and schedules its next run. */
export const ANSWER_SWEEP_JOB = 'bap-answer-sweep';

type TimeoutDeps = Pick<BapDeps, 'sequelize' | 'correlation' | 'logger'>;
type SweepDeps = TimeoutDeps & Pick<BapDeps, 'scheduler' | 'settings' | 'now' | 'answerSweepIntervalMs'>;

/** The request's ttl as its context carries it (settings.requestTtl, see bookingContext). */
function ttlMs(settings: Pick<BapSettings, 'requestTtl'>): number {
  return parseIsoDuration(settings.requestTtl) ?? 30_000;
}

/**
 * Schedules the end of the wait for the answer to a select, init or
 * confirm sent in `transaction` (`messageId`), at its ttl plus a grace
 * from now. The job is scheduled only once the transaction commits, so it
 * never runs before the quote or booking it watches can be seen, and a
 * rolled-back request leaves no job behind. A crash between the commit and
 * the scheduling leaves a wait without a job: the sweep ends it.
 * Scheduling the same request twice is a no-op.
 */
export function scheduleAnswerTimeout(
  deps: Pick<BapDeps, 'scheduler' | 'settings' | 'logger' | 'now'>,
  transaction: Transaction,
  action: AnsweredRequest,
  messageId: string,
): void {
  const runAt = (deps.now ?? Date.now)() + ttlMs(deps.settings) + ANSWER_GRACE_MS;
  const payload: AnswerTimeout = { action, messageId };
  const id = `${ANSWER_TIMEOUT_JOB}:${action}:${messageId}`;
  // Awaited by the commit, so the rider's answer or our ACK follows the scheduling; a failure is the sweep's to make up for.
  transaction.afterCommit(() =>
    deps.scheduler.schedule({ id, type: ANSWER_TIMEOUT_JOB, payload, runAt }).then(
      () => undefined,
      (error: unknown) => deps.logger.warn({ err: error, jobId: id }, 'could not schedule an answer timeout; the sweep will end the wait'),
    ),
  );
}

function readPayload(payload: unknown): AnswerTimeout | null {
  const value = (typeof payload === 'object' && payload !== null ? payload : {}) as Partial<Record<keyof AnswerTimeout, unknown>>;
  const action = value.action;
  if ((action !== 'select' && action !== 'init' && action !== 'confirm') || typeof value.messageId !== 'string' || value.messageId.length === 0) return null;
  return { action, messageId: value.messageId };
}

/** Where each request's wait is in Postgres: the row still in its waiting status, the request's message id, and since when it waits. */
const waits = {
  select: { table: 'quote', status: 'PENDING', messageColumn: 'select_message_id', since: 'created_at' },
  init: { table: 'booking', status: 'INITIATING', messageColumn: 'init_message_id', since: 'created_at' },
  // on_init moves the booking to CONFIRMING as it queues the confirm, and nothing else touches it until the answer.
  confirm: { table: 'booking', status: 'CONFIRMING', messageColumn: 'confirm_message_id', since: 'updated_at' },
} as const;

/** One request's wait (its job), or every wait begun before a time (the sweep). */
type WaitsToEnd = { messageId: string } | { waitingBefore: Date };

/**
 * Fails the quotes or bookings still waiting for the answer to `action`
 * that `which` names, with TIMEOUT, and wakes their views once the
 * transaction commits. Only a row still in its waiting status changes, so
 * an answer that came first, or another run, leaves nothing to do.
 */
async function failUnanswered(deps: TimeoutDeps, transaction: Transaction, action: AnsweredRequest, which: WaitsToEnd): Promise<number> {
  const wait = waits[action];
  const [column, comparison] = 'messageId' in which ? [wait.messageColumn, '= $3'] : [wait.since, '< $3'];
  const bind = [TIMEOUT, `the provider did not answer the ${action} in time`, 'messageId' in which ? which.messageId : which.waitingBefore];
  if (wait.table === 'quote') {
    const [rows] = (await deps.sequelize.query(
      `UPDATE ${BAP_SCHEMA}.quote q SET status = 'FAILED', error_code = $1, error_message = $2, updated_at = now()
         FROM ${BAP_SCHEMA}.estimate e
        WHERE q.${column} ${comparison} AND q.status = '${wait.status}' AND e.id = q.estimate_id
        RETURNING q.id, q.${wait.messageColumn} AS message_id, e.search_request_id`,
      { bind, transaction },
    )) as [{ id: string; message_id: string; search_request_id: string }[], unknown];
    for (const row of rows) {
      deps.logger.info({ quoteId: row.id, messageId: row.message_id }, 'quote failed: the select was not answered in time');
      transaction.afterCommit(() => announce(deps, searchChannel(row.search_request_id)));
    }
    return rows.length;
  }
  const [rows] = (await deps.sequelize.query(
    `UPDATE ${BAP_SCHEMA}.booking SET status = 'FAILED', error_code = $1, error_message = $2, updated_at = now()
      WHERE ${column} ${comparison} AND status = '${wait.status}'
      RETURNING id, transaction_id, ${wait.messageColumn} AS message_id`,
    { bind, transaction },
  )) as [{ id: string; transaction_id: string; message_id: string }[], unknown];
  for (const row of rows) {
    deps.logger.warn({ bookingId: row.id, transactionId: row.transaction_id, messageId: row.message_id, action }, 'booking failed: its request was not answered in time');
    transaction.afterCommit(() => announce(deps, bookingChannel(row.id)));
  }
  return rows.length;
}

/**
 * The job: a quote still PENDING for its select, or a booking still
 * INITIATING / CONFIRMING for that very init / confirm, fails with
 * TIMEOUT, and the search's or booking's views are woken. Once the answer
 * came (or the request failed otherwise) nothing is still waiting and the
 * job does nothing, so a repeated run is harmless. A later answer is
 * refused as late by the pipeline, or as out of order by the handler.
 */
export function createAnswerTimeoutJob(deps: TimeoutDeps): JobHandler {
  return async (job) => {
    const timeout = readPayload(job.payload);
    if (!timeout) {
      deps.logger.warn({ jobId: job.id, payload: job.payload }, 'answer timeout job without a request; ignored');
      return;
    }
    await deps.sequelize.transaction((transaction) => failUnanswered(deps, transaction, timeout.action, { messageId: timeout.messageId }));
  };
}

/**
 * The sweep: every wait (a quote PENDING, a booking INITIATING or
 * CONFIRMING) begun longer ago than the request's ttl, the grace and
 * ANSWER_SWEEP_LAG_MS on the BAP's clock fails as its timeout job would
 * have failed it. It catches the waits whose job was never scheduled or
 * was lost. A periodic job (at start, then every interval): the first run
 * ends soon after a restart the waits a crash left behind.
 */
export function answerSweep(deps: SweepDeps): PeriodicJob {
  return periodicJob(deps.scheduler, ANSWER_SWEEP_JOB, deps.answerSweepIntervalMs ?? ANSWER_SWEEP_INTERVAL_MS, async () => {
    const waitingBefore = new Date((deps.now ?? Date.now)() - ttlMs(deps.settings) - ANSWER_GRACE_MS - ANSWER_SWEEP_LAG_MS);
    const ended = await deps.sequelize.transaction(async (transaction) => {
      let count = 0;
      for (const action of ['select', 'init', 'confirm'] as const) count += await failUnanswered(deps, transaction, action, { waitingBefore });
      return count;
    });
    if (ended > 0) deps.logger.warn({ ended, waitingBefore }, 'the answer sweep ended waits whose timeout job never ran');
  });
}
