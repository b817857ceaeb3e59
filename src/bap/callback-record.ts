import { randomUUID } from 'node:crypto';
import type { CorrelationStore } from '../infra/correlation/index.js';
import type { Logger } from '../infra/logging/logger.js';
import type { Sequelize, Transaction } from 'sequelize';
import type { AcceptedMessage } from '../protocol/index.js';
import { BAP_SCHEMA } from './bap-deps.js';

const insertSql = `
  INSERT INTO ${BAP_SCHEMA}.callback_record (id, bpp_id, action, transaction_id, message_id, outcome, reason)
  VALUES ($1, $2, $3, $4, $5, 'APPLIED', $6)`;

/** Notes, in the transaction that applied it, that a callback changed the rider side's state. */
export async function recordApplied(sequelize: Sequelize, transaction: Transaction, callback: AcceptedMessage, note: string | null = null): Promise<void> {
  await sequelize.query(insertSql, {
    bind: [
      randomUUID(),
      callback.context.bpp_id ?? callback.sender ?? '',
      callback.action,
      callback.context.transaction_id ?? '',
      callback.context.message_id ?? '',
      note,
    ],
    transaction,
  });
}

/** Wakes every replica's waiting requests and event streams on `channel`; a failure only delays them until they look again. */
export function announce(deps: { correlation: CorrelationStore; logger: Logger }, channel: string): void {
  deps.correlation.publish(channel, 'changed').catch((error: unknown) => deps.logger.warn({ err: error, channel }, 'could not announce a rider-side change'));
}
