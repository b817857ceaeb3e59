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
 * The on_select message in the shape of the ONDC:TRV10 2.0.1 example: the
 * selected RIDE item priced as on_search priced it, its fulfillment (route
 * and vehicle) and a quote whose breakup is the estimate's, line by line.
 * Given the driver who accepted, the fulfillment names them (agent) and
 * their vehicle (category, variant, registration), as on_confirm does; the
 * driver's phone number is not shared. Without one it shows the variant.
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
          ...(driver
            ? {
                agent: { person: { name: driver.name } },
                vehicle: { category: driver.category, variant: driver.variant, registration: driver.registrationNo },
              }
            : { vehicle: { category: estimate.category, variant: estimate.variant } }),
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
