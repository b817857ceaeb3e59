import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { CallbackError, RequestHandler } from '../../protocol/index.js';
import { BPP_SCHEMA } from '../models/index.js';
import type { AftercareDeps } from './aftercare-deps.js';
import { AFTERCARE_ERRORS, domainCodes } from './aftercare-errors.js';
import { findConfirmedOrder, isCancelled } from './order-lookup.js';
import { bookingPlace, recordBppEvent } from '../business-events.js';

/**
 * What a rider rates here: the ride and its driver. Core names them Agent,
 * Fulfillment or Order; ONDC:TRV10 examples say DRIVER. Item, Provider and
 * Support ratings are not kept.
 */
const RATED_CATEGORIES = new Set(['DRIVER', 'AGENT', 'FULFILLMENT', 'ORDER', 'RIDE']);
const DEFAULT_CATEGORY = 'DRIVER';
const MAX_FEEDBACK_LENGTH = 2000;

interface RatingInput {
  id: string;
  category: string;
  value: unknown;
  feedback: unknown;
  path: string;
}

/** Core `ratings[]` or ONDC's flat `{id, rating_category, value}`; exactly one rating (of the ride) per request. */
function readRating(message: unknown): RatingInput | CallbackError {
  const body = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
  const entries = Array.isArray(body.ratings) ? body.ratings : null;
  if (entries && entries.length !== 1) {
    return { code: AFTERCARE_ERRORS.invalidRequest, message: 'send one rating, of the ride', paths: 'message.ratings' };
  }
  const entry = (entries ? entries[0] : body) as Record<string, unknown> | undefined;
  const path = entries ? 'message.ratings[0]' : 'message';
  if (typeof entry !== 'object' || entry === null || typeof entry.id !== 'string' || entry.id.length === 0) {
    return { code: AFTERCARE_ERRORS.invalidRequest, message: 'the rating names nothing to rate', paths: `${path}.id` };
  }
  const category = typeof entry.rating_category === 'string' && entry.rating_category.length > 0 ? entry.rating_category.toUpperCase() : DEFAULT_CATEGORY;
  return { id: entry.id, category, value: entry.value, feedback: entry.feedback, path };
}

/** A whole number of stars from 1 to 5, given as a number or a string. */
function readValue(value: unknown): number | null {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  return /^[1-5](\.0+)?$/.test(text) ? Number(text) : null;
}

/**
 * The driver's rating: the average of every rating of their rides, to two
 * decimals. The driver's row is locked first, so two ratings landing at once
 * both count.
 */
async function refreshDriverRating(sequelize: Sequelize, transaction: Transaction, driverId: string): Promise<void> {
  await sequelize.query(`SELECT id FROM ${BPP_SCHEMA}.driver WHERE id = $1 FOR UPDATE`, { type: QueryTypes.SELECT, bind: [driverId], transaction });
  await sequelize.query(
    `UPDATE ${BPP_SCHEMA}.driver SET updated_at = now(), rating = (
       SELECT round(avg(rr.value)::numeric, 2) FROM ${BPP_SCHEMA}.ride_rating rr JOIN ${BPP_SCHEMA}.ride r ON r.id = rr.ride_id WHERE r.driver_id = $1
     ) WHERE id = $1`,
    { bind: [driverId], transaction },
  );
}

/**
 * rating -> on_rating: the rider's 1 to 5 stars (and optional feedback text)
 * for a completed ride, named by its order id or fulfillment id. One rating
 * per ride: a later one replaces the earlier, and the driver's average is
 * recomputed from the stored ratings, so repeating a rating changes nothing.
 * Answered with ONDC's acknowledgements, as in the ONDC:TRV10 example.
 */
export function createRatingHandler(deps: Pick<AftercareDeps, 'sequelize' | 'logger'>): RequestHandler {
  return async (request, transaction) => {
    const rating = readRating(request.message);
    if ('code' in rating) return { error: rating };
    const value = readValue(rating.value);
    if (value === null) {
      return { error: { code: AFTERCARE_ERRORS.invalidRatingValue, message: 'the rating value must be a whole number from 1 to 5', paths: `${rating.path}.value` } };
    }
    if (!RATED_CATEGORIES.has(rating.category)) {
      return { error: { code: AFTERCARE_ERRORS.unsupportedRatingCategory, message: `${rating.category} ratings are not supported; rate the ride or its driver`, paths: `${rating.path}.rating_category` } };
    }
    const feedback = typeof rating.feedback === 'string' && rating.feedback.trim().length > 0 ? rating.feedback.trim() : null;
    if (feedback !== null && feedback.length > MAX_FEEDBACK_LENGTH) {
      return { error: { code: AFTERCARE_ERRORS.invalidRequest, message: `feedback is limited to ${MAX_FEEDBACK_LENGTH} characters`, paths: `${rating.path}.feedback` } };
    }

    const order = await findConfirmedOrder(deps.sequelize, transaction, { ref: rating.id, bapId: request.context.bap_id ?? '', lock: true, fulfillments: true });
    if (!order) return { error: { code: domainCodes(request.context.domain).rateeNotFound, message: `nothing to rate under ${rating.id}`, paths: `${rating.path}.id` } };
    if (isCancelled(order) || order.ride.status !== 'COMPLETED') {
      return { error: { code: AFTERCARE_ERRORS.businessError, message: 'only a completed ride can be rated' } };
    }

    // A rating repeated as stored changes no row, so it records no second rating.given.
    const changed = await deps.sequelize.query<{ ride_id: string }>(
      `INSERT INTO ${BPP_SCHEMA}.ride_rating AS rr (ride_id, value, category, feedback) VALUES ($1, $2, $3, $4)
       ON CONFLICT (ride_id) DO UPDATE SET value = EXCLUDED.value, category = EXCLUDED.category, feedback = EXCLUDED.feedback, updated_at = now()
        WHERE (rr.value, rr.category, rr.feedback) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.category, EXCLUDED.feedback)
       RETURNING rr.ride_id`,
      { type: QueryTypes.SELECT, bind: [order.ride.id, value, rating.category, feedback], transaction },
    );
    await refreshDriverRating(deps.sequelize, transaction, order.ride.driverId);
    if (changed.length > 0) {
      await recordBppEvent(deps.sequelize, transaction, 'rating.given', await bookingPlace(deps.sequelize, transaction, order.bookingId), order.ride.id, {
        ride_id: order.ride.id,
        booking_id: order.bookingId,
        rating: value,
        rated: 'DRIVER',
      });
    }
    deps.logger?.debug({ rideId: order.ride.id, value }, 'ride rated');
    return { message: { feedback_ack: true, rating_ack: true } };
  };
}
