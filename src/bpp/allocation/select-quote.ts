import { add, formatMoney, parseMoney, type Money } from '../domain/index.js';
import type { OfferedDriver, SelectedEstimate } from './allocation-data.js';

const itemNames: Record<string, string> = {
  AUTO_RICKSHAW: 'Auto Ride',
  HATCHBACK: 'CAB Hatchback Ride',
  SEDAN: 'CAB Sedan Ride',
  SUV: 'CAB SUV Ride',
};

/**
 * ONDC:TRV10 allows only its own quote.breakup titles. Our lines without one
 * are folded into the nearest ONDC line: the time fare is part of the travel
 * (DISTANCE_FARE), the pickup charge a fixed part of the fare (BASE_FARE).
 * The TOTAL line is quote.price, not a part of it. Every line, unfolded,
 * travels in the item's FARE_BREAKUP tag as on_search sent it.
 */
const quoteTitles: Readonly<Record<string, string | null>> = {
  BASE_FARE: 'BASE_FARE',
  DISTANCE_FARE: 'DISTANCE_FARE',
  TIME_FARE: 'DISTANCE_FARE',
  WAITING_CHARGE: 'WAITING_CHARGES',
  PICKUP_CHARGE: 'BASE_FARE',
  NIGHT_SHIFT_CHARGE: 'NIGHT_CHARGES',
  TOTAL: null,
};

export function foldQuoteBreakup(
  lines: readonly { code: string; amount: string }[],
  currency: string,
): { title: string; price: { currency: string; value: string } }[] {
  const parts = new Map<string, Money>();
  for (const line of lines) {
    const title = quoteTitles[line.code];
    if (title === undefined) throw new Error(`fare line ${line.code} has no quote title`);
    if (title === null) continue;
    const amount = parseMoney(line.amount, currency);
    const known = parts.get(title);
    parts.set(title, known ? add(known, amount) : amount);
  }
  return [...parts].map(([title, price]) => ({ title, price: { currency: price.currency, value: formatMoney(price) } }));
}

/**
 * Google's encoded polyline of points (precision 1e-5), as ONDC's
 * ROUTE_INFO ENCODED_POLYLINE carries it.
 */
export function encodePolyline(points: readonly { lat: number; lon: number }[]): string {
  let out = '';
  let lastLat = 0;
  let lastLon = 0;
  const encode = (delta: number) => {
    let value = delta < 0 ? ~(delta << 1) : delta << 1;
    while (value >= 0x20) {
      out += String.fromCharCode((0x20 | (value & 0x1f)) + 63);
      value >>= 5;
    }
    out += String.fromCharCode(value + 63);
  };
  for (const point of points) {
    const lat = Math.round(point.lat * 1e5);
    const lon = Math.round(point.lon * 1e5);
    encode(lat - lastLat);
    encode(lon - lastLon);
    lastLat = lat;
    lastLon = lon;
  }
  return out;
}

/** ONDC ROUTE_INFO fulfillment tag: the route from pickup to drop (our route planner knows no road geometry, so its two ends). */
export function routeInfoTag(from: { lat: number; lon: number }, to: { lat: number; lon: number }): Record<string, unknown> {
  const gps = (p: { lat: number; lon: number }) => `${p.lat}, ${p.lon}`;
  return {
    descriptor: { code: 'ROUTE_INFO', name: 'Route Information' },
    display: true,
    list: [
      { descriptor: { code: 'ENCODED_POLYLINE', name: 'Path' }, value: encodePolyline([from, to]) },
      { descriptor: { code: 'WAYPOINTS', name: 'Waypoints' }, value: JSON.stringify([{ gps: gps(from) }, { gps: gps(to) }]) },
    ],
  };
}

/**
 * The driver and vehicle a fulfillment names once a driver is assigned: the
 * agent with the contact a rider may call (masked number or proxy, never the
 * driver's own number) and the vehicle with its registration, make and model.
 */
export function assignedDriverParts(driver: OfferedDriver): { agent: Record<string, unknown>; vehicle: Record<string, unknown> } {
  return {
    agent: { person: { name: driver.name }, ...(driver.contactPhone ? { contact: { phone: driver.contactPhone } } : {}) },
    vehicle: {
      category: driver.category,
      variant: driver.variant,
      registration: driver.registrationNo,
      ...(driver.make ? { make: driver.make } : {}),
      ...(driver.model ? { model: driver.model } : {}),
    },
  };
}

/**
 * The on_select message in the shape of the ONDC:TRV10 2.0.1 example: the
 * selected RIDE item priced as on_search priced it, its fulfillment (route
 * and vehicle) and a quote whose breakup is the estimate's, line by line.
 * Given the driver who accepted, the fulfillment names them (agent) and
 * their vehicle (category, variant, registration, make, model) and a masked
 * contact number, as on_confirm does (assignedDriverParts). Without one it
 * shows the variant. The item repeats on_search's FARE_POLICY and INFO tags,
 * the fulfillment carries ROUTE_INFO.
 */
export function buildSelectQuote(estimate: SelectedEstimate, quoteTtlSeconds: number, driver?: OfferedDriver): Record<string, unknown> {
  const currency = estimate.currency;
  const gps = (p: { lat: number; lon: number }) => `${p.lat}, ${p.lon}`;
  const fulfillmentId = `F-${estimate.id}`;
  const gate = estimate.pickupGateName;
  return {
    order: {
      provider: { id: estimate.merchantId },
      items: [
        {
          id: estimate.id,
          descriptor: { code: 'RIDE', name: itemNames[estimate.variant] ?? 'Ride' },
          fulfillment_ids: [fulfillmentId],
          price: { currency, value: estimate.value, minimum_value: estimate.minimum, maximum_value: estimate.maximum },
          tags: [
            {
              descriptor: { code: 'FARE_BREAKUP' },
              display: false,
              list: estimate.lines.map((line) => ({ descriptor: { code: line.title }, value: line.amount })),
            },
            ...estimate.itemTags,
          ],
        },
      ],
      fulfillments: [
        {
          id: fulfillmentId,
          type: 'DELIVERY',
          stops: [
            { type: 'START', location: { gps: gps(estimate.from), ...(gate ? { descriptor: { name: gate } } : {}) } },
            { type: 'END', location: { gps: gps(estimate.to) } },
          ],
          ...(driver ? assignedDriverParts(driver) : { vehicle: { category: estimate.category, variant: estimate.variant } }),
          tags: [routeInfoTag(estimate.from, estimate.to)],
        },
      ],
      quote: {
        price: { currency, value: estimate.value },
        breakup: foldQuoteBreakup(estimate.lines, currency),
        ttl: `PT${quoteTtlSeconds}S`,
      },
    },
  };
}
