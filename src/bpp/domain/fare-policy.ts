import { ONDC_FULFILLMENT_STATES, type OndcFulfillmentState } from '../../protocol/vocabulary/index.js';
import { parseDecimal, parseMoney } from './money.js';

/** Fulfillment states of a ride in the ONDC vocabulary (PROFILE.md), as the protocol layer lists them; cancellation fees are keyed by them. */
export const fulfillmentStates = ONDC_FULFILLMENT_STATES;

export type FulfillmentState = OndcFulfillmentState;

/**
 * A night-shift window in the operating city's local time. `start` > `end`
 * means the window crosses midnight (22:00–05:00); `start` is inside the
 * window, `end` is not.
 */
export interface NightShift {
  start: string;
  end: string;
  /** IANA zone ("Asia/Kolkata") or a fixed UTC offset ("+05:30"). */
  timeZone: string;
  /** Applied to base, distance and time fares, e.g. "1.25". */
  multiplier: string;
}

/**
 * Pricing of one vehicle variant in one city. Amounts are decimal strings in
 * `currency` (as stored and sent on the wire), never floats.
 */
export interface FarePolicy {
  currency: string;
  /** Distance covered by the base fare. */
  baseDistanceMeters: number;
  baseFare: string;
  /** Per kilometre beyond the base distance. */
  perKmFare: string;
  /** Per minute of ride duration. */
  perMinuteFare: string;
  nightShift: NightShift | null;
  waitingFreeMinutes: number;
  /** Per started minute of waiting beyond the free minutes. */
  waitingPerMinuteFare: string;
  pickupCharge: string;
  /** Fee for cancelling in a state; a state not listed costs nothing. */
  cancellationFees: Partial<Record<FulfillmentState, string>>;
}

const CLOCK_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;
const OFFSET_PATTERN = /^([+-])(\d{2}):(\d{2})$/;

/** Throws a RangeError naming the first invalid field. */
export function assertFarePolicy(policy: FarePolicy): void {
  const amounts: [string, string][] = [
    ['baseFare', policy.baseFare],
    ['perKmFare', policy.perKmFare],
    ['perMinuteFare', policy.perMinuteFare],
    ['waitingPerMinuteFare', policy.waitingPerMinuteFare],
    ['pickupCharge', policy.pickupCharge],
    ...Object.entries(policy.cancellationFees).map(([state, fee]): [string, string] => [`cancellationFees.${state}`, fee ?? '']),
  ];
  for (const [field, amount] of amounts) {
    if (parseMoney(amount, policy.currency).minor < 0n) throw new RangeError(`${field} must not be negative`);
  }
  for (const state of Object.keys(policy.cancellationFees)) {
    if (!(fulfillmentStates as readonly string[]).includes(state)) throw new RangeError(`unknown fulfillment state ${state}`);
  }
  assertWholeNonNegative('baseDistanceMeters', policy.baseDistanceMeters);
  assertWholeNonNegative('waitingFreeMinutes', policy.waitingFreeMinutes);
  const night = policy.nightShift;
  if (night) {
    const start = minutesOfClock(night.start);
    if (start === minutesOfClock(night.end)) throw new RangeError('nightShift start and end must differ');
    const multiplier = parseDecimal(night.multiplier);
    if (multiplier.units < 10n ** BigInt(multiplier.scale)) throw new RangeError('nightShift multiplier must be at least 1');
    localMinutesOfDay(new Date(0), night.timeZone);
  }
}

/** True when `at` falls in the night-shift window of the policy. */
export function isNightShift(nightShift: NightShift | null, at: Date): boolean {
  if (!nightShift) return false;
  const start = minutesOfClock(nightShift.start);
  const end = minutesOfClock(nightShift.end);
  const local = localMinutesOfDay(at, nightShift.timeZone);
  return start < end ? local >= start && local < end : local >= start || local < end;
}

/** Minutes since local midnight of `at` in an IANA zone or at a fixed offset. */
export function localMinutesOfDay(at: Date, timeZone: string): number {
  const offset = OFFSET_PATTERN.exec(timeZone);
  const utcMinutes = at.getUTCHours() * 60 + at.getUTCMinutes();
  if (offset) {
    const [, sign, hours = '0', minutes = '0'] = offset;
    const shift = (Number(hours) * 60 + Number(minutes)) * (sign === '-' ? -1 : 1);
    return (((utcMinutes + shift) % 1440) + 1440) % 1440;
  }
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  } catch {
    throw new RangeError(`unknown time zone ${JSON.stringify(timeZone)}`);
  }
  const part = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  return part('hour') * 60 + part('minute');
}

function minutesOfClock(clock: string): number {
  const match = CLOCK_PATTERN.exec(clock);
  if (!match) throw new RangeError(`not an HH:MM time: ${JSON.stringify(clock)}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

function assertWholeNonNegative(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${field} must be a whole number >= 0`);
}
