import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { NackError } from '../../protocol/errors/index.js';
import { fromDomainState } from '../../protocol/vocabulary/index.js';
import { BAP_SCHEMA } from '../bap-deps.js';
import type { SealedPhone } from './driver-phone.js';

/** The ride's states on the rider side, in the order a ride goes through them (ONDC:TRV10 fulfillment states). */
export const RIDE_STATES = ['RIDE_ASSIGNED', 'RIDE_ENROUTE_PICKUP', 'RIDE_ARRIVED_PICKUP', 'RIDE_STARTED', 'RIDE_ENDED', 'RIDE_CANCELLED'] as const;
export type RideState = (typeof RIDE_STATES)[number];

const progress: readonly RideState[] = ['RIDE_ASSIGNED', 'RIDE_ENROUTE_PICKUP', 'RIDE_ARRIVED_PICKUP', 'RIDE_STARTED', 'RIDE_ENDED'];

/**
 * A fulfillment state code as a ride state: ONDC codes as they are, the Beckn
 * mobility (nic2004:60221) names mapped (protocol vocabulary). RIDE_CONFIRMED
 * (booked, no driver yet) reads as the ride's first state, since our ride
 * exists once a driver is assigned. Codes that are no ride state
 * (PAYMENT_COLLECTED) give null.
 */
export function rideStateOf(code: unknown): RideState | null {
  const state = fromDomainState(undefined, code);
  if (state === 'RIDE_CONFIRMED') return 'RIDE_ASSIGNED';
  return state;
}

/**
 * RIDE_CONFIRMED reported after a driver was assigned: the driver withdrew
 * (cancelled before the pickup) and the BPP looks for another one. The ride
 * stays RIDE_ASSIGNED without driver, vehicle number or OTP, and its history
 * shows RIDE_CONFIRMED until the next driver's RIDE_ASSIGNED.
 */
export const DRIVER_WITHDRAWN = 'RIDE_CONFIRMED';
export type ReportedRideState = RideState | typeof DRIVER_WITHDRAWN;

export type RideTransition =
  | { kind: 'advance'; from: RideState; to: RideState }
  | { kind: 'same'; state: RideState }
  /** The driver withdrew: details cleared, RIDE_CONFIRMED in the history. */
  | { kind: 'withdrawn'; from: RideState }
  /** A new driver after a withdrawal: RIDE_ASSIGNED again in the history, with the new details. */
  | { kind: 'reassigned' }
  | { kind: 'refused'; from: RideState; to: ReportedRideState; reason: string };

/** True when a fulfillment state code is RIDE_CONFIRMED (in either vocabulary): no driver on the ride (any more). */
export function isDriverWithdrawal(code: unknown): boolean {
  return fromDomainState(undefined, code) === DRIVER_WITHDRAWN;
}

/** A driver may withdraw until reaching the pickup. */
const withdrawable: readonly RideState[] = ['RIDE_ASSIGNED', 'RIDE_ENROUTE_PICKUP'];

export function isFinal(state: RideState): boolean {
  return state === 'RIDE_ENDED' || state === 'RIDE_CANCELLED';
}

/**
 * The ride state machine. A ride moves forward (skipping states is allowed:
 * a BPP need not report every one), may be cancelled in any state before it
 * ends, and never moves back or out of RIDE_ENDED / RIDE_CANCELLED. The same
 * state again is no change. The one way back: before the pickup
 * (RIDE_ASSIGNED, RIDE_ENROUTE_PICKUP) the driver may withdraw (RIDE_CONFIRMED
 * reported), and while `awaitingDriver` (withdrawn, no new driver yet) the
 * next RIDE_ASSIGNED is a re-assignment; RIDE_CONFIRMED again is no change.
 */
export function nextRideState(current: RideState, incoming: ReportedRideState, awaitingDriver = false): RideTransition {
  if (incoming === DRIVER_WITHDRAWN) {
    if (awaitingDriver && !isFinal(current)) return { kind: 'same', state: current };
    if (withdrawable.includes(current)) return { kind: 'withdrawn', from: current };
    const reason = isFinal(current) ? `the ride is ${current} already` : `a driver cannot withdraw once the ride is ${current}`;
    return { kind: 'refused', from: current, to: incoming, reason };
  }
  if (awaitingDriver && incoming === 'RIDE_ASSIGNED' && !isFinal(current)) return { kind: 'reassigned' };
  if (incoming === current) return { kind: 'same', state: current };
  if (isFinal(current)) return { kind: 'refused', from: current, to: incoming, reason: `the ride is ${current} already` };
  if (incoming === 'RIDE_CANCELLED') return { kind: 'advance', from: current, to: incoming };
  if (progress.indexOf(incoming) < progress.indexOf(current)) {
    return { kind: 'refused', from: current, to: incoming, reason: `the ride cannot go back from ${current} to ${incoming}` };
  }
  return { kind: 'advance', from: current, to: incoming };
}

/** What a callback tells about the ride besides its state. */
export interface RideDetails {
  driverName?: string | null;
  driverPhone?: SealedPhone | null;
  vehicleNumber?: string | null;
  vehicleVariant?: string | null;
  otp?: string | null;
  bppRideId?: string | null;
}

export interface FinalFare {
  value: string;
  currency: string;
  breakup: unknown;
}

export interface RideChange {
  bookingId: string;
  /** RIDE_CONFIRMED: the driver withdrew (see DRIVER_WITHDRAWN). */
  state: ReportedRideState;
  messageId: string;
  /** When the rider side received the state: the history's order of time. */
  at: Date;
  /** When the provider says the state changed (its updated_at), kept beside `at`. */
  providerAt?: Date | null;
  details?: RideDetails;
  /** The order's quote at RIDE_ENDED: the fare the rider pays, line by line. */
  finalFare?: FinalFare | null;
}

export interface AppliedRideChange {
  transition: RideTransition;
  rideId: string;
}

interface LockedRide {
  id: string;
  state: RideState;
  booking_status: string;
  /** The latest state of the ride's history: RIDE_CONFIRMED while its withdrawn driver is not replaced yet. */
  last_event: string | null;
}

const lockSql = `
  SELECT r.id, r.state, b.status AS booking_status,
         (SELECT e.state FROM ${BAP_SCHEMA}.ride_state_event e WHERE e.ride_id = r.id ORDER BY e.position DESC LIMIT 1) AS last_event
    FROM ${BAP_SCHEMA}.ride r JOIN ${BAP_SCHEMA}.booking b ON b.id = r.booking_id
   WHERE r.booking_id = $1
     FOR UPDATE OF r`;

/** What the BPP said of the driver who withdrew goes: driver, vehicle number, OTP, the BPP's ride id and the last position. */
const withdrawSql = `
  UPDATE ${BAP_SCHEMA}.ride SET
    state = 'RIDE_ASSIGNED', driver_name = NULL, driver_phone_encrypted = NULL, driver_phone_hash = NULL, vehicle_number = NULL, otp = NULL, bpp_ride_id = NULL,
    driver_lat = NULL, driver_lon = NULL, driver_location_at = NULL, updated_at = now()
  WHERE id = $1`;

// The number is compared by its keyed hash ($4): each sealing of it differs, so only another number replaces the sealed one.
const detailsSql = `
  UPDATE ${BAP_SCHEMA}.ride SET
    driver_name = COALESCE($2, driver_name),
    driver_phone_encrypted = CASE WHEN $4::text IS NOT NULL AND $4 IS DISTINCT FROM driver_phone_hash THEN $3 ELSE driver_phone_encrypted END,
    driver_phone_hash = COALESCE($4, driver_phone_hash),
    vehicle_number = COALESCE($5, vehicle_number),
    vehicle_variant = COALESCE($6, vehicle_variant),
    otp = COALESCE($7, otp),
    bpp_ride_id = COALESCE($8, bpp_ride_id),
    updated_at = now()
  WHERE id = $1 AND (
    driver_name IS DISTINCT FROM COALESCE($2, driver_name) OR driver_phone_hash IS DISTINCT FROM COALESCE($4, driver_phone_hash)
    OR vehicle_number IS DISTINCT FROM COALESCE($5, vehicle_number) OR vehicle_variant IS DISTINCT FROM COALESCE($6, vehicle_variant)
    OR otp IS DISTINCT FROM COALESCE($7, otp) OR bpp_ride_id IS DISTINCT FROM COALESCE($8, bpp_ride_id))`;

/** Locks the booking's ride (and booking) for a change; null when the booking has no ride. */
export async function lockRide(sequelize: Sequelize, transaction: Transaction, bookingId: string): Promise<LockedRide | null> {
  const [row] = await sequelize.query<LockedRide>(lockSql, { type: QueryTypes.SELECT, bind: [bookingId], transaction });
  return row ?? null;
}

/** Stores what the BPP said about the driver and vehicle; absent fields keep what we had, and a repeat changes nothing. */
export async function updateRideDetails(sequelize: Sequelize, transaction: Transaction, rideId: string, details: RideDetails): Promise<void> {
  const phone = details.driverPhone;
  const values = [details.driverName, phone?.encrypted, phone?.hash, details.vehicleNumber, details.vehicleVariant, details.otp, details.bppRideId];
  if (values.every((value) => value === undefined || value === null)) return;
  await sequelize.query(detailsSql, { bind: [rideId, ...values.map((value) => value ?? null)], transaction });
}

/**
 * Applies a state the BPP reported to the booking's ride under its row lock:
 * a new state appends to the ride's history and moves the booking with it
 * (RIDE_ENDED: COMPLETED with the final fare; RIDE_CANCELLED: CANCELLED); the
 * same state again changes only the details; a driver's withdrawal clears
 * the driver and a re-assignment stores the new one (see nextRideState), each
 * appended to the history; an impossible move is NACKed
 * with OUT_OF_SEQUENCE (20008) and, the transaction rolling back, changes
 * nothing. The caller wakes streams and waiting requests once it commits
 * (keepReply), so one change is announced once.
 */
export async function applyRideChange(
  deps: { sequelize: Sequelize },
  transaction: Transaction,
  change: RideChange,
): Promise<AppliedRideChange> {
  const { sequelize } = deps;
  const ride = await lockRide(sequelize, transaction, change.bookingId);
  if (!ride) throw new NackError('INVALID_ORDER_STATE', 'the order has no ride yet: it was never confirmed', '/message/order/id');
  const transition = nextRideState(ride.state, change.state, ride.last_event === DRIVER_WITHDRAWN);
  if (transition.kind === 'refused') {
    throw new NackError('OUT_OF_SEQUENCE', `${change.state} is out of sequence: ${transition.reason}`, '/message/order/fulfillments/0/state/descriptor/code');
  }
  const addEvent = (state: string) =>
    sequelize.query(
      `INSERT INTO ${BAP_SCHEMA}.ride_state_event (ride_id, position, state, message_id, at, provider_at)
       SELECT $1, COALESCE(max(position) + 1, 0), $2, $3, $4, $5 FROM ${BAP_SCHEMA}.ride_state_event WHERE ride_id = $1`,
      { bind: [ride.id, state, change.messageId, change.at, change.providerAt ?? null], transaction },
    );
  const touchBooking = () => sequelize.query(`UPDATE ${BAP_SCHEMA}.booking SET updated_at = now() WHERE id = $1`, { bind: [change.bookingId], transaction });
  if (transition.kind === 'withdrawn') {
    await sequelize.query(withdrawSql, { bind: [ride.id], transaction });
    await addEvent(DRIVER_WITHDRAWN);
    await touchBooking();
  } else if (transition.kind === 'reassigned') {
    await updateRideDetails(sequelize, transaction, ride.id, change.details ?? {});
    await addEvent('RIDE_ASSIGNED');
    await touchBooking();
  } else {
    await updateRideDetails(sequelize, transaction, ride.id, change.details ?? {});
  }
  if (transition.kind === 'advance') {
    await addEvent(transition.to);
    const fare = transition.to === 'RIDE_ENDED' ? (change.finalFare ?? null) : null;
    await sequelize.query(
      `UPDATE ${BAP_SCHEMA}.ride SET state = $2, final_fare = COALESCE($3, final_fare), final_fare_breakup = COALESCE($4::jsonb, final_fare_breakup), updated_at = now() WHERE id = $1`,
      { bind: [ride.id, transition.to, fare?.value ?? null, fare ? JSON.stringify(fare.breakup ?? null) : null], transaction },
    );
    if (transition.to === 'RIDE_ENDED') {
      await sequelize.query(`UPDATE ${BAP_SCHEMA}.booking SET status = 'COMPLETED', fare = COALESCE($2, fare), updated_at = now() WHERE id = $1`, {
        bind: [change.bookingId, fare?.value ?? null],
        transaction,
      });
    } else if (transition.to === 'RIDE_CANCELLED') {
      await sequelize.query(`UPDATE ${BAP_SCHEMA}.booking SET status = 'CANCELLED', updated_at = now() WHERE id = $1`, { bind: [change.bookingId], transaction });
    } else {
      await touchBooking();
    }
  }
  return { transition, rideId: ride.id };
}
