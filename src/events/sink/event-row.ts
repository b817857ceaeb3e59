import type { BusinessEvent } from '../event-catalog.js';

export const BUSINESS_EVENTS_TABLE = 'business_events';

/**
 * A row of `business_events` (migrations/clickhouse/0004): the envelope, the
 * payload as JSON text, and the measures lifted from the payload (0 or ''
 * where the event has none), since ClickHouse 18.16 cannot read JSON.
 */
export interface BusinessEventRow {
  event_id: string;
  event_type: string;
  event_version: number;
  /** 'YYYY-MM-DD hh:mm:ss' in UTC, the DateTime text form both ClickHouse versions parse. */
  occurred_at: string;
  occurred_at_ms: number;
  side: string;
  merchant_id: string;
  city: string;
  cell: string;
  variant: string;
  subject_id: string;
  payload: string;
  /** Money in minor units: ride.ended fare, estimates.offered fare_min, payment amounts, payout amount, cancellation fee. */
  amount_minor: number;
  /** estimates.offered fare_max. */
  amount_max_minor: number;
  currency: string;
  /** estimates.offered count, payout.settled ride_count. */
  item_count: number;
  time_to_assign_ms: number;
  distance_m: number;
  duration_s: number;
  /** ride.cancelled cancelled_by, rating.given rated, quote.declined_by_driver reason. */
  actor: string;
  rating: number;
  supply_online: number;
  supply_idle: number;
  supply_on_ride: number;
}

/** Every column but ingested_at, which takes its DEFAULT (named columns make 18.16 apply it too). */
export const businessEventRowColumns: [keyof BusinessEventRow, ...(keyof BusinessEventRow)[]] = [
  'event_id', 'event_type', 'event_version', 'occurred_at', 'occurred_at_ms', 'side', 'merchant_id', 'city', 'cell', 'variant',
  'subject_id', 'payload', 'amount_minor', 'amount_max_minor', 'currency', 'item_count', 'time_to_assign_ms', 'distance_m',
  'duration_s', 'actor', 'rating', 'supply_online', 'supply_idle', 'supply_on_ride',
];

/** Thrown for a payload measure no column can hold exactly; the event becomes a reject rather than a wrong number. */
export class UnstorableMeasureError extends Error {
  override readonly name = 'UnstorableMeasureError';
}

/** ISO 4217 currencies whose minor unit is not a hundredth. */
const MINOR_DIGITS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

export function minorDigitsOf(currency: string): number {
  return MINOR_DIGITS[currency] ?? 2;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * A decimal money string in minor units of its currency, computed on the
 * digits (never through a float): "182.50" INR is 18250. Digits beyond the
 * minor unit round half away from zero ("10.005" INR is 1001). Throws for
 * text that is not a decimal, or an amount beyond 2^53 minor units.
 */
export function toMinorUnits(value: string, currency: string): number {
  const match = DECIMAL.exec(value);
  if (!match) throw new UnstorableMeasureError(`money value "${value}" is not a decimal`);
  const [, sign, whole, fraction = ''] = match as unknown as [string, string, string, string | undefined];
  const digits = minorDigitsOf(currency);
  const kept = fraction.slice(0, digits).padEnd(digits, '0');
  let minor = BigInt(whole + kept);
  if ((fraction[digits] ?? '0') >= '5') minor += 1n;
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new UnstorableMeasureError(`money value "${value}" ${currency} is too large`);
  const result = Number(minor);
  return sign === '-' && result !== 0 ? -result : result;
}

const UINT32_MAX = 4_294_967_295;

/** A non-negative count or quantity rounded into an unsigned column; what is not a finite number reads 0. */
function unsigned(value: unknown, max = UINT32_MAX): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 0;
  return Math.min(max, Math.max(0, Math.round(value)));
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function objectAt(payload: Record<string, unknown>, field: string): Record<string, unknown> | null {
  const value = payload[field];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** A Money object's amount in minor units and its currency; absent or not Money: 0 and ''. */
function money(payload: Record<string, unknown>, field: string): { minor: number; currency: string } {
  const value = objectAt(payload, field);
  if (!value || typeof value.value !== 'string') return { minor: 0, currency: '' };
  const currency = text(value.currency);
  try {
    return { minor: toMinorUnits(value.value, currency), currency };
  } catch (error) {
    if (error instanceof UnstorableMeasureError) throw new UnstorableMeasureError(`payload.${field}: ${error.message}`);
    throw error;
  }
}

type Measures = Pick<
  BusinessEventRow,
  | 'amount_minor' | 'amount_max_minor' | 'currency' | 'item_count' | 'time_to_assign_ms' | 'distance_m' | 'duration_s' | 'actor'
  | 'rating' | 'supply_online' | 'supply_idle' | 'supply_on_ride'
>;

const NO_MEASURES: Measures = {
  amount_minor: 0, amount_max_minor: 0, currency: '', item_count: 0, time_to_assign_ms: 0, distance_m: 0, duration_s: 0, actor: '',
  rating: 0, supply_online: 0, supply_idle: 0, supply_on_ride: 0,
};

/**
 * The measures of one event, read defensively: the payload schemas are
 * enforced where events are recorded, but a field missing or of another type
 * here reads as "no measure" rather than failing the sink. An event type the
 * catalog does not know (a newer producer) has none.
 */
export function liftMeasures(eventType: string, payload: Record<string, unknown>): Measures {
  switch (eventType) {
    case 'estimates.offered': {
      const min = money(payload, 'fare_min');
      const max = money(payload, 'fare_max');
      return { ...NO_MEASURES, amount_minor: min.minor, amount_max_minor: max.minor, currency: min.currency || max.currency, item_count: unsigned(payload.count) };
    }
    case 'ride.ended': {
      const fare = money(payload, 'fare');
      return { ...NO_MEASURES, amount_minor: fare.minor, currency: fare.currency, distance_m: unsigned(payload.distance_m), duration_s: unsigned(payload.duration_s) };
    }
    case 'ride.cancelled': {
      const fee = money(payload, 'fee');
      return { ...NO_MEASURES, amount_minor: fee.minor, currency: fee.currency, actor: text(payload.cancelled_by) };
    }
    case 'payment.charged':
    case 'payment.refunded': {
      const amount = money(payload, 'amount');
      return { ...NO_MEASURES, amount_minor: amount.minor, currency: amount.currency };
    }
    case 'payout.settled': {
      const amount = money(payload, 'amount');
      return { ...NO_MEASURES, amount_minor: amount.minor, currency: amount.currency, item_count: unsigned(payload.ride_count) };
    }
    case 'driver.assigned':
      return { ...NO_MEASURES, time_to_assign_ms: unsigned(payload.time_to_assign_ms) };
    case 'search.requested':
      return { ...NO_MEASURES, distance_m: unsigned(payload.distance_m) };
    case 'rating.given':
      return { ...NO_MEASURES, actor: text(payload.rated), rating: unsigned(payload.rating, 255) };
    case 'quote.declined_by_driver':
      return { ...NO_MEASURES, actor: text(payload.reason) };
    case 'supply.snapshot':
      return {
        ...NO_MEASURES,
        supply_online: unsigned(payload.online),
        supply_idle: unsigned(payload.idle),
        supply_on_ride: unsigned(payload.on_ride),
      };
    default:
      return NO_MEASURES;
  }
}

function dateTimeText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** The row of a validated event; throws UnstorableMeasureError for money no column holds exactly. */
export function toBusinessEventRow(event: BusinessEvent): BusinessEventRow {
  const occurredMs = Date.parse(event.occurred_at);
  return {
    event_id: event.event_id,
    event_type: event.event_type,
    event_version: event.event_version,
    occurred_at: dateTimeText(occurredMs),
    occurred_at_ms: occurredMs,
    side: event.side,
    merchant_id: event.merchant_id ?? '',
    city: event.city,
    cell: event.cell ?? '',
    variant: event.variant ?? '',
    subject_id: event.subject_id,
    payload: JSON.stringify(event.payload),
    ...liftMeasures(event.event_type, event.payload),
  };
}
