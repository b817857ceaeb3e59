import type { Sequelize } from 'sequelize';
import type { CorrelationStore } from '../../infra/correlation/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { DeadLetterListener, OutboxEntry } from '../../protocol/outbound/index.js';
import { BAP_SCHEMA, bookingChannel, searchChannel } from '../bap-deps.js';
import { announce } from '../callback-record.js';

/** The code a request that never reached its BPP fails with, unless the BPP refused it with its own. */
export const UNDELIVERED = 'UNDELIVERED';

function failureOf(entry: OutboxEntry): { code: string; message: string } {
  const refused = /^NACK ([0-9A-Za-z_-]+)$/.exec(entry.deadReason ?? '');
  const why = [entry.deadReason, entry.lastError].filter(Boolean).join(': ');
  return { code: refused?.[1] ?? UNDELIVERED, message: `the ${entry.action} did not reach the provider${why ? ` (${why})` : ''}` };
}

/**
 * A select, init or confirm that went to the dead letters (its BPP refused
 * it, or stayed unreachable through every attempt) will never be answered:
 * the quote or booking waiting for it fails with the BPP's NACK code (or
 * UNDELIVERED), so the rider is not left waiting. Only a quote still
 * PENDING, or a booking still waiting for that very request, is changed, so
 * a re-queued entry dying again does nothing more.
 */
export function createUndeliveredRequestListener(deps: { sequelize: Sequelize; correlation: CorrelationStore; logger: Logger }): DeadLetterListener {
  return async (entry, transaction) => {
    if (entry.role !== 'bap' || !entry.messageId) return;
    const { code, message } = failureOf(entry);
    if (entry.action === 'select') {
      const [rows] = (await deps.sequelize.query(
        `UPDATE ${BAP_SCHEMA}.quote q SET status = 'FAILED', error_code = $2, error_message = $3, updated_at = now()
           FROM ${BAP_SCHEMA}.estimate e
          WHERE q.select_message_id = $1 AND q.status = 'PENDING' AND e.id = q.estimate_id
          RETURNING e.search_request_id`,
        { bind: [entry.messageId, code, message], transaction },
      )) as [{ search_request_id: string }[], unknown];
      for (const row of rows) transaction.afterCommit(() => announce(deps, searchChannel(row.search_request_id)));
      return;
    }
    const waiting = entry.action === 'init' ? { column: 'init_message_id', status: 'INITIATING' } : entry.action === 'confirm' ? { column: 'confirm_message_id', status: 'CONFIRMING' } : null;
    if (!waiting) return;
    const [rows] = (await deps.sequelize.query(
      `UPDATE ${BAP_SCHEMA}.booking SET status = 'FAILED', error_code = $2, error_message = $3, updated_at = now()
        WHERE ${waiting.column} = $1 AND status = '${waiting.status}'
        RETURNING id`,
      { bind: [entry.messageId, code, message], transaction },
    )) as [{ id: string }[], unknown];
    for (const row of rows) transaction.afterCommit(() => announce(deps, bookingChannel(row.id)));
    if (rows.length > 0) deps.logger.warn({ transactionId: entry.transactionId, action: entry.action, code }, 'booking failed: its request was not delivered');
  };
}
