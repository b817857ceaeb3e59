import { assertFarePolicy, isNightShift, type FarePolicy, type FulfillmentState } from './fare-policy.js';
import { add, formatMoney, multiplyRatio, parseDecimal, parseMoney, sum, type Money } from './money.js';

export type FareLineCode =
  | 'BASE_FARE'
  | 'DISTANCE_FARE'
  | 'TIME_FARE'
  | 'WAITING_CHARGE'
  | 'PICKUP_CHARGE'
  | 'NIGHT_SHIFT_CHARGE'
  | 'TOTAL';

/**
 * Breakup titles on the wire: the ONDC:TRV10 quote.breakup codes where the
 * profile has one (BASE_FARE, DISTANCE_FARE, WAITING_CHARGES, NIGHT_CHARGES);
 * time and pickup have no ONDC code, so their title is our line code.
 */
export const breakupTitles: Readonly<Record<FareLineCode, string>> = {
  BASE_FARE: 'BASE_FARE',
  DISTANCE_FARE: 'DISTANCE_FARE',
  TIME_FARE: 'TIME_FARE',
  WAITING_CHARGE: 'WAITING_CHARGES',
  PICKUP_CHARGE: 'PICKUP_CHARGE',
  NIGHT_SHIFT_CHARGE: 'NIGHT_CHARGES',
  TOTAL: 'TOTAL_FARE',
};

export interface FareLine {
  code: FareLineCode;
  title: string;
  price: Money;
}

export interface FareBreakup {
  /** Charge lines in a fixed order, then the TOTAL line (their sum). */
  lines: FareLine[];
  total: Money;
}

export interface FinalFareInput {
  distanceMeters: number;
  durationSeconds: number;
  waitingSeconds: number;
  /** The ride's start decides the night shift. */
  startedAt: Date;
  /** Added to the policy's pickup charge, e.g. a special location's. */
  pickupChargeExtra?: Money;
}

export interface EstimateInput {
  distanceMeters: number;
  durationSeconds: number;
  at: Date;
  pickupChargeExtra?: Money;
}

export interface FareEstimate {
  /** Fare at the planned distance and duration. */
  value: Money;
  minimum: Money;
  maximum: Money;
  breakup: FareBreakup;
}

/**
 * Estimates carry a range because the driven route differs from the planned
 * one: the bounds are the fare at distance and duration 10% below and above
 * the plan (the base fare still applies, so the lower bound never drops below it).
 */
export const ESTIMATE_BAND_PERCENT = 10;

/** The fare of a ride as driven, line by line. */
export function finalFare(policy: FarePolicy, input: FinalFareInput): FareBreakup {
  assertFarePolicy(policy);
  assertMeasure('distanceMeters', input.distanceMeters);
  assertMeasure('durationSeconds', input.durationSeconds);
  assertMeasure('waitingSeconds', input.waitingSeconds);
  const money = (amount: string): Money => parseMoney(amount, policy.currency);

  const base = money(policy.baseFare);
  const chargeableMeters = Math.max(0, Math.round(input.distanceMeters) - policy.baseDistanceMeters);
  const distance = multiplyRatio(money(policy.perKmFare), BigInt(chargeableMeters), 1000n);
  const time = multiplyRatio(money(policy.perMinuteFare), BigInt(Math.round(input.durationSeconds)), 60n);

  // The night multiplier applies to the ride itself (base, distance, time), not to waiting or pickup.
  let night = parseMoney('0', policy.currency);
  if (policy.nightShift && isNightShift(policy.nightShift, input.startedAt)) {
    const { units, scale } = parseDecimal(policy.nightShift.multiplier);
    const one = 10n ** BigInt(scale);
    night = multiplyRatio(sum([base, distance, time], policy.currency), units - one, one);
  }

  const chargeableWaiting = Math.max(0, Math.round(input.waitingSeconds) - policy.waitingFreeMinutes * 60);
  const waitingMinutes = Math.ceil(chargeableWaiting / 60);
  const waiting = multiplyRatio(money(policy.waitingPerMinuteFare), BigInt(waitingMinutes), 1n);

  const pickup = input.pickupChargeExtra ? add(money(policy.pickupCharge), input.pickupChargeExtra) : money(policy.pickupCharge);

  const charges: [FareLineCode, Money][] = [
    ['BASE_FARE', base],
    ['DISTANCE_FARE', distance],
    ['TIME_FARE', time],
    ['WAITING_CHARGE', waiting],
    ['PICKUP_CHARGE', pickup],
    ['NIGHT_SHIFT_CHARGE', night],
  ];
  // Zero lines other than base and distance (which ONDC quotes always carry) are left out.
  const kept = charges.filter(([code, price]) => price.minor !== 0n || code === 'BASE_FARE' || code === 'DISTANCE_FARE');
  const total = sum(
    kept.map(([, price]) => price),
    policy.currency,
  );
  const lines = [...kept, ['TOTAL', total] as [FareLineCode, Money]].map(([code, price]) => ({ code, title: breakupTitles[code], price }));
  return { lines, total };
}

/** The fare range quoted in on_search/on_select for a planned route. */
export function estimateFare(policy: FarePolicy, input: EstimateInput): FareEstimate {
  const at = (factor: number): FareBreakup =>
    finalFare(policy, {
      distanceMeters: Math.round(input.distanceMeters * factor),
      durationSeconds: Math.round(input.durationSeconds * factor),
      waitingSeconds: 0,
      startedAt: input.at,
      ...(input.pickupChargeExtra ? { pickupChargeExtra: input.pickupChargeExtra } : {}),
    });
  const breakup = at(1);
  return {
    value: breakup.total,
    minimum: at(1 - ESTIMATE_BAND_PERCENT / 100).total,
    maximum: at(1 + ESTIMATE_BAND_PERCENT / 100).total,
    breakup,
  };
}

/**
 * The fee for cancelling a ride in `state`, or null when the ride can no
 * longer be cancelled (it has ended or is already cancelled).
 */
export function cancellationFee(policy: FarePolicy, state: FulfillmentState): Money | null {
  assertFarePolicy(policy);
  if (state === 'RIDE_ENDED' || state === 'RIDE_CANCELLED') return null;
  return parseMoney(policy.cancellationFees[state] ?? '0', policy.currency);
}

/** A breakup as Beckn quote.breakup items; the TOTAL line is quote.price, not an item. */
export function toBecknBreakup(breakup: FareBreakup): { title: string; price: { currency: string; value: string } }[] {
  return breakup.lines
    .filter((line) => line.code !== 'TOTAL')
    .map((line) => ({ title: line.title, price: { currency: line.price.currency, value: formatMoney(line.price) } }));
}

function assertMeasure(field: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${field} must be a finite number >= 0`);
}
