import { fromDomainState, ONDC_FULFILLMENT_STATES, type OndcFulfillmentState } from '../../protocol/vocabulary/index.js';

/**
 * Fulfillment states in the ONDC vocabulary PROFILE.md makes canonical, in
 * ride order (the vocabulary's own order, RIDE_CANCELLED left out).
 * nic2004:60221 (Beckn mobility) names map onto them as in DIGEST.md §2.3;
 * PAYMENT_COLLECTED has no ONDC twin and comes after the ride.
 */
const rideOrder: readonly string[] = [...ONDC_FULFILLMENT_STATES.filter((state) => state !== 'RIDE_CANCELLED'), 'PAYMENT_COLLECTED'];

export type FulfillmentState = OndcFulfillmentState | 'PAYMENT_COLLECTED';

const rank = new Map<string, number>(rideOrder.map((state, index) => [state, index]));

/** The canonical state of a code from either vocabulary; null for an unknown code. */
export function canonicalState(code: string): FulfillmentState | null {
  if (code === 'PAYMENT_COLLECTED') return code;
  return fromDomainState(undefined, code);
}

/**
 * Whether a fulfillment may go from `from` to `to`. Repeating a state is
 * fine (status polls); states may be skipped forward (a SELF_PICKUP ride
 * goes from ASSIGNED to STARTED); a ride may be cancelled until it ends;
 * RIDE_CANCELLED is terminal, and after RIDE_ENDED only payment follows.
 */
export function allowedTransition(from: FulfillmentState, to: FulfillmentState): boolean {
  if (from === to) return true;
  if (from === 'RIDE_CANCELLED') return false;
  const fromRank = rank.get(from) as number;
  if (to === 'RIDE_CANCELLED') return fromRank < (rank.get('RIDE_ENDED') as number);
  return (rank.get(to) as number) > fromRank;
}
