/**
 * The business events beckn-ride records, one version each. Every event is
 * an envelope (who, where, when, about what) plus a payload whose JSON
 * Schema lives in beckn-schemas/events/<type>.v<version>.json. Money is a
 * decimal string with its currency, never a float. A change that breaks a
 * payload's shape adds a new version; consumers read `event_version`.
 */

/** Which side wrote the event: the rider platform (atlas_app) or the provider (atlas_driver_offer_bpp). */
export type EventSide = 'bap' | 'bpp';

export interface Money {
  /** Decimal text, e.g. "182.50". */
  value: string;
  currency: string;
}

export interface EventPayloads {
  /** A search reached the provider (bpp) or a rider searched (bap). */
  'search.requested': { search_id: string; pickup: { lat: number; lon: number }; drop: { lat: number; lon: number } | null; distance_m: number | null };
  /** The provider offered estimates for a search (on_search). */
  'estimates.offered': { search_id: string; count: number; fare_min: Money; fare_max: Money; variants: string[] };
  /** A driver accepted a ride offer. */
  'quote.accepted_by_driver': { search_id: string; driver_id: string; offer_id: string };
  /** A driver declined a ride offer (or let it expire: reason EXPIRED). */
  'quote.declined_by_driver': { search_id: string; driver_id: string; offer_id: string; reason: 'DECLINED' | 'EXPIRED' };
  /** A booking was confirmed (bpp: confirm answered; bap: on_confirm applied). */
  'booking.confirmed': { booking_id: string; estimated_fare: Money; payment_type: string; collected_by: 'BAP' | 'BPP' };
  /** A driver was assigned to a booking; time_to_assign_ms runs from the search (select) that started the allocation to the assignment. */
  'driver.assigned': { booking_id: string; ride_id: string; driver_id: string; time_to_assign_ms: number };
  'ride.started': { booking_id: string; ride_id: string; driver_id: string };
  'ride.ended': { booking_id: string; ride_id: string; driver_id: string; distance_m: number; duration_s: number; fare: Money };
  'ride.cancelled': { booking_id: string; ride_id: string | null; cancelled_by: 'RIDER' | 'DRIVER' | 'OPERATOR' | 'SYSTEM'; reason_code: string | null; fee: Money | null };
  'payment.charged': { order_id: string; booking_id: string; amount: Money; method: string };
  'payment.refunded': { refund_id: string; order_id: string; booking_id: string; amount: Money };
  'payout.settled': { payout_order_id: string; driver_id: string; amount: Money; ride_count: number };
  'driver.online': { driver_id: string };
  'driver.offline': { driver_id: string };
  'rating.given': { ride_id: string; booking_id: string; rating: number; rated: 'DRIVER' | 'RIDER' };
  /**
   * Supply in one cell at one snapshot run (the scheduler's periodic job):
   * drivers of the variant with a fresh location in the cell, by state.
   * snapshot_id names the run, shared by every cell of it.
   */
  'supply.snapshot': { snapshot_id: string; online: number; idle: number; on_ride: number };
}

export type EventType = keyof EventPayloads;

export const EVENT_VERSIONS: { readonly [T in EventType]: number } = {
  'search.requested': 1,
  'estimates.offered': 1,
  'quote.accepted_by_driver': 1,
  'quote.declined_by_driver': 1,
  'booking.confirmed': 1,
  'driver.assigned': 1,
  'ride.started': 1,
  'ride.ended': 1,
  'ride.cancelled': 1,
  'payment.charged': 1,
  'payment.refunded': 1,
  'payout.settled': 1,
  'driver.online': 1,
  'driver.offline': 1,
  'rating.given': 1,
  'supply.snapshot': 1,
};

export const EVENT_TYPES = Object.keys(EVENT_VERSIONS) as EventType[];

/** What a caller says about an event; the recorder adds id, version and (unless given) the time. */
export interface EventInput<T extends EventType = EventType> {
  type: T;
  side: EventSide;
  /** Defaults to the moment of recording. */
  occurredAt?: Date;
  merchantId: string | null;
  /** City code as Beckn carries it, e.g. "std:080". */
  city: string;
  /** Grid cell (cellOf) of the place the event is about: the pickup for demand and ride events, the driver for supply. */
  cell: string | null;
  /** Vehicle variant (AUTO_RICKSHAW, SEDAN, ...) when the event has one. */
  variant: string | null;
  /** The entity the event is about (search, booking, ride, driver, payout, snapshot id); the Kafka key. */
  subjectId: string;
  payload: EventPayloads[T];
}

/** An event as the outbox holds it and as the relay publishes it (one JSON object per Kafka record or file line). */
export interface BusinessEvent {
  event_id: string;
  event_type: EventType;
  event_version: number;
  /** ISO-8601 with milliseconds, UTC. */
  occurred_at: string;
  side: EventSide;
  merchant_id: string | null;
  city: string;
  cell: string | null;
  variant: string | null;
  subject_id: string;
  payload: Record<string, unknown>;
}
