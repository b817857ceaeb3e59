import type { Sequelize } from 'sequelize';
import type { CorrelationStore } from '../../infra/correlation/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { JobHandler, Scheduler } from '../../infra/scheduler/index.js';
import { parseIsoDuration } from '../../protocol/inbound/iso-duration.js';
import { BAP_SCHEMA, bookingChannel, searchChannel, type BapSettings } from '../bap-deps.js';
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

/** The request's ttl as its context carries it (settings.requestTtl, see bookingContext). */
function ttlMs(settings: Pick<BapSettings, 'requestTtl'>): number {
  return parseIsoDuration(settings.requestTtl) ?? 30_000;
}

/**
 * Schedules the end of the wait for the answer to a select, init or
 * confirm just sent (`messageId`), at its ttl plus a grace. Called in the
 * transaction that sends the request, before it commits: should that
 * transaction roll back, the job finds nothing waiting and does nothing.
 * Scheduling the same request twice is a no-op.
 */
export async function scheduleAnswerTimeout(
  deps: { scheduler: Scheduler; settings: Pick<BapSettings, 'requestTtl'>; now?: () => number },
  action: AnsweredRequest,
  messageId: string,
): Promise<void> {
  const runAt = (deps.now ?? Date.now)() + ttlMs(deps.settings) + ANSWER_GRACE_MS;
  const payload: AnswerTimeout = { action, messageId };
  await deps.scheduler.schedule({ id: `${ANSWER_TIMEOUT_JOB}:${action}:${messageId}`, type: ANSWER_TIMEOUT_JOB, payload, runAt });
}

function readPayload(payload: unknown): AnswerTimeout | null {
  const value = (typeof payload === 'object' && payload !== null ? payload : {}) as Partial<Record<keyof AnswerTimeout, unknown>>;
  const action = value.action;
  if ((action !== 'select' && action !== 'init' && action !== 'confirm') || typeof value.messageId !== 'string' || value.messageId.length === 0) return null;
  return { action, messageId: value.messageId };
}

/**
 * The job: a quote still PENDING for its select, or a booking still
 * INITIATING / CONFIRMING for that very init / confirm, fails with
 * TIMEOUT, and the search's or booking's views are woken. Once the answer
 * came (or the request failed otherwise) nothing is still waiting and the
 * job does nothing, so a repeated run is harmless. A later answer is
 * refused as late by the pipeline, or as out of order by the handler.
 */
export function createAnswerTimeoutJob(deps: { sequelize: Sequelize; correlation: CorrelationStore; logger: Logger }): JobHandler {
  const { sequelize } = deps;
  return async (job) => {
    const timeout = readPayload(job.payload);
    if (!timeout) {
      deps.logger.warn({ jobId: job.id, payload: job.payload }, 'answer timeout job without a request; ignored');
      return;
    }
    const message = `the provider did not answer the ${timeout.action} in time`;
    await sequelize.transaction(async (transaction) => {
      if (timeout.action === 'select') {
        const [rows] = (await sequelize.query(
          `UPDATE ${BAP_SCHEMA}.quote q SET status = 'FAILED', error_code = $2, error_message = $3, updated_at = now()
             FROM ${BAP_SCHEMA}.estimate e
            WHERE q.select_message_id = $1 AND q.status = 'PENDING' AND e.id = q.estimate_id
            RETURNING q.id, e.search_request_id`,
          { bind: [timeout.messageId, TIMEOUT, message], transaction },
        )) as [{ id: string; search_request_id: string }[], unknown];
        for (const row of rows) {
          deps.logger.info({ quoteId: row.id, messageId: timeout.messageId }, 'quote failed: the select was not answered in time');
          transaction.afterCommit(() => announce(deps, searchChannel(row.search_request_id)));
        }
        return;
      }
      const waiting = timeout.action === 'init' ? { column: 'init_message_id', status: 'INITIATING' } : { column: 'confirm_message_id', status: 'CONFIRMING' };
      const [rows] = (await sequelize.query(
        `UPDATE ${BAP_SCHEMA}.booking SET status = 'FAILED', error_code = $2, error_message = $3, updated_at = now()
          WHERE ${waiting.column} = $1 AND status = '${waiting.status}'
          RETURNING id, transaction_id`,
        { bind: [timeout.messageId, TIMEOUT, message], transaction },
      )) as [{ id: string; transaction_id: string }[], unknown];
      for (const row of rows) {
        deps.logger.warn({ bookingId: row.id, transactionId: row.transaction_id, action: timeout.action }, 'booking failed: its request was not answered in time');
        transaction.afterCommit(() => announce(deps, bookingChannel(row.id)));
      }
    });
  };
}
