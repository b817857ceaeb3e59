import type { FarePolicy } from './domain/index.js';

/** The fare_policy columns (table alias `f`) every pricing query selects, as text where they are decimals. */
export const farePolicyColumns = `f.base_distance_meters, f.base_fare::text, f.per_km::text, f.per_minute::text,
  f.night_shift_start::text, f.night_shift_end::text, f.night_shift_multiplier::text,
  f.waiting_free_minutes, f.waiting_charge_per_minute::text, f.pickup_charge::text,
  f.cancellation_fees, f.currency`;

export interface FarePolicyRow {
  base_distance_meters: number;
  base_fare: string;
  per_km: string;
  per_minute: string;
  night_shift_start: string | null;
  night_shift_end: string | null;
  night_shift_multiplier: string;
  waiting_free_minutes: number;
  waiting_charge_per_minute: string;
  pickup_charge: string;
  cancellation_fees: Record<string, string>;
  currency: string;
}

/** The pricing rules of a row; the night window is read in `timeZone` (cities carry none yet). */
export function toFarePolicy(row: FarePolicyRow, timeZone: string): FarePolicy {
  // Postgres TIME text is HH:MM:SS; the night window is kept to the minute.
  const nightShift =
    row.night_shift_start === null || row.night_shift_end === null
      ? null
      : { start: row.night_shift_start.slice(0, 5), end: row.night_shift_end.slice(0, 5), timeZone, multiplier: row.night_shift_multiplier };
  return {
    currency: row.currency.trim(),
    baseDistanceMeters: row.base_distance_meters,
    baseFare: row.base_fare,
    perKmFare: row.per_km,
    perMinuteFare: row.per_minute,
    nightShift,
    waitingFreeMinutes: row.waiting_free_minutes,
    waitingPerMinuteFare: row.waiting_charge_per_minute,
    pickupCharge: row.pickup_charge,
    cancellationFees: row.cancellation_fees,
  };
}
