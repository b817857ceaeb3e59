import type { CallbackHandler } from '../../protocol/index.js';
import { BAP_SCHEMA } from '../bap-deps.js';
import { recordApplied } from '../callback-record.js';
import { keepReply } from './replies.js';
import { bookingOf, errorOf, type RideCallbackDeps } from './ride-callback-common.js';

/** on_rating: the BPP acknowledged the rider's rating. */
export function createOnRatingHandler(deps: RideCallbackDeps): CallbackHandler {
  return async (callback, transaction) => {
    const booking = await bookingOf(deps, transaction, callback);
    const error = errorOf(callback);
    if (!error) {
      await deps.sequelize.query(`UPDATE ${BAP_SCHEMA}.rating SET acknowledged_at = COALESCE(acknowledged_at, $2) WHERE booking_id = $1`, {
        bind: [booking.id, callback.receivedAt],
        transaction,
      });
    }
    await recordApplied(deps.sequelize, transaction, callback, error ? `error ${error.code}` : 'rating acknowledged');
    keepReply(deps, transaction, booking.id, callback.context.message_id, error ? { action: callback.action, error } : { action: callback.action, data: callback.message });
  };
}
