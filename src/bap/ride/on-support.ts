import type { CallbackHandler } from '../../protocol/index.js';
import { recordApplied } from '../callback-record.js';
import { keepReply } from './replies.js';
import { bookingOf, errorOf, type RideCallbackDeps } from './ride-callback-common.js';

/** on_support: how to reach the provider about the order, handed to the rider request that asked. */
export function createOnSupportHandler(deps: RideCallbackDeps): CallbackHandler {
  return async (callback, transaction) => {
    const booking = await bookingOf(deps, transaction, callback);
    const error = errorOf(callback);
    const support = (callback.message as { support?: Record<string, unknown> } | null)?.support ?? null;
    await recordApplied(deps.sequelize, transaction, callback, error ? `error ${error.code}` : 'support contact');
    keepReply(deps, transaction, booking.id, callback.context.message_id, error ? { action: callback.action, error } : { action: callback.action, data: support });
  };
}
