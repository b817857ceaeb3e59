import { parseGps } from '../../infra/geo/index.js';
import { NackError } from '../../protocol/errors/index.js';
import type { CallbackHandler } from '../../protocol/index.js';
import { BAP_SCHEMA } from '../bap-deps.js';
import { recordApplied } from '../callback-record.js';
import { keepReply } from './replies.js';
import { bookingOf, errorOf, keepError, type RideCallbackDeps } from './ride-callback-common.js';

/** on_track: the driver's position, kept on the ride (an older position never replaces a newer one). */
export function createOnTrackHandler(deps: RideCallbackDeps): CallbackHandler {
  return async (callback, transaction) => {
    const booking = await bookingOf(deps, transaction, callback);
    const error = errorOf(callback);
    if (error) {
      await keepError(deps, transaction, callback, booking.id, error);
      return;
    }
    const tracking = (callback.message as { tracking?: { status?: string; location?: { gps?: string; updated_at?: string } } } | null)?.tracking;
    const status = tracking?.status ?? null;
    const gps = tracking?.location?.gps;
    let location: { lat: number; lon: number; at: string } | null = null;
    if (gps !== undefined) {
      const point = parseGps(gps);
      if (!point) throw new NackError('INVALID_RESPONSE', 'tracking location is not a gps point', '/message/tracking/location/gps');
      const { lat, lon } = point;
      const stamp = tracking?.location?.updated_at ? new Date(tracking.location.updated_at) : callback.receivedAt;
      const at = Number.isNaN(stamp.getTime()) ? callback.receivedAt : stamp;
      location = { lat, lon, at: at.toISOString() };
      if (booking.ride_id) {
        await deps.sequelize.query(
          `UPDATE ${BAP_SCHEMA}.ride SET driver_lat = $2, driver_lon = $3, driver_location_at = $4, updated_at = now()
            WHERE id = $1 AND (driver_location_at IS NULL OR driver_location_at <= $4)`,
          { bind: [booking.ride_id, lat, lon, at], transaction },
        );
      }
    }
    await recordApplied(deps.sequelize, transaction, callback, location ? `at ${location.lat}, ${location.lon}` : `tracking ${status ?? 'unknown'}`);
    keepReply(deps, transaction, booking.id, callback.context.message_id, { action: callback.action, data: { status, location } });
  };
}
