import { formatMoney, type FareEstimate } from '../domain/index.js';
import type { VehicleCategory, VehicleVariant } from '../models/index.js';
import type { SearchStops } from './search-intent.js';
import type { PickupGate } from './search-data.js';

export interface CatalogEstimate {
  /** The estimate's id, also the RIDE item's id (a select names it) and, prefixed, its fulfillment's. */
  id: string;
  variant: VehicleVariant;
  category: VehicleCategory;
  nearestDriverMeters: number;
  estimate: FareEstimate;
}

export interface CatalogInput {
  providerId: string;
  providerName: string;
  stops: SearchStops;
  distanceMeters: number;
  durationSeconds: number;
  pickupGate: PickupGate | null;
  estimates: readonly CatalogEstimate[];
  /** The provider's payment terms for this search (searchPaymentTerms). */
  payment: Record<string, unknown>;
}

const itemNames: Record<VehicleVariant, string> = {
  AUTO_RICKSHAW: 'Auto Ride',
  HATCHBACK: 'CAB Hatchback Ride',
  SEDAN: 'CAB Sedan Ride',
  SUV: 'CAB SUV Ride',
};

const tag = (code: string, list: [string, string][]) => ({
  descriptor: { code },
  display: false,
  list: list.map(([itemCode, value]) => ({ descriptor: { code: itemCode }, value })),
});

interface TagGroup {
  descriptor?: { code?: unknown };
  list?: { descriptor?: { code?: unknown } }[];
}

const codeOf = (group: unknown): unknown => (group as TagGroup | null)?.descriptor?.code;

/**
 * The payment an on_search offers, in the shape of the ONDC:TRV10 2.0.1
 * example: who collects as the search asked (the BPP when it did not say),
 * the BUYER_FINDER_FEES the BAP asked for, and the provider's own
 * SETTLEMENT_TERMS (its window, jurisdiction, STATIC_TERMS ...), never the
 * BAP's echoed back. Without configured provider terms the BAP's settlement
 * terms are answered without their STATIC_TERMS, which only the BAP's own
 * terms document names.
 */
export function searchPaymentTerms(intentPayment: unknown, providerSettlement: Record<string, unknown> | null): Record<string, unknown> {
  const asked = intentPayment !== null && typeof intentPayment === 'object' ? (intentPayment as { collected_by?: unknown; tags?: unknown }) : {};
  const collectedBy = asked.collected_by === 'BAP' || asked.collected_by === 'BPP' ? asked.collected_by : 'BPP';
  const askedTags: unknown[] = Array.isArray(asked.tags) ? asked.tags : [];
  const fees = askedTags.find((group) => codeOf(group) === 'BUYER_FINDER_FEES');
  const askedSettlement = askedTags.find((group) => codeOf(group) === 'SETTLEMENT_TERMS') as TagGroup | undefined;
  const settlement =
    providerSettlement ??
    (askedSettlement
      ? { ...askedSettlement, list: (askedSettlement.list ?? []).filter((entry) => entry?.descriptor?.code !== 'STATIC_TERMS') }
      : undefined);
  const tags = [fees, settlement].filter((group) => group !== undefined);
  return { collected_by: collectedBy, ...(tags.length > 0 ? { tags } : {}) };
}

/**
 * The on_search message in the shape of the ONDC:TRV10 2.0.1 example: one
 * provider, one fulfillment (route + vehicle) and one RIDE item per variant,
 * priced value/minimum_value/maximum_value. The example has no quote in
 * on_search, so the fare breakup and the pickup gate travel as item tags
 * (FARE_BREAKUP, SPECIAL_LOCATION) and the gate also names the START stop.
 * No estimates -> a catalog with no providers: the search was understood and
 * the city is served, there is just nothing to offer now.
 */
export function buildCatalog(input: CatalogInput): Record<string, unknown> {
  const descriptor = { name: input.providerName };
  if (input.estimates.length === 0) return { catalog: { descriptor, providers: [] } };
  const gate = input.pickupGate;
  const start = {
    type: 'START',
    location: { gps: input.stops.startGps, ...(gate ? { descriptor: { name: gate.gateName } } : {}) },
    ...(gate ? { instructions: { short_desc: `Pickup at ${gate.gateName}`, long_desc: `${gate.locationName}: ${gate.gateName}` } } : {}),
  };
  const end = { type: 'END', location: { gps: input.stops.endGps } };
  const fulfillmentId = (e: CatalogEstimate) => `F-${e.id}`;
  const fulfillments = input.estimates.map((e) => ({
    id: fulfillmentId(e),
    type: 'DELIVERY',
    stops: [start, end],
    vehicle: { category: e.category, variant: e.variant },
  }));
  const items = input.estimates.map((e) => {
    const currency = e.estimate.value.currency;
    return {
      id: e.id,
      descriptor: { code: 'RIDE', name: itemNames[e.variant] },
      fulfillment_ids: [fulfillmentId(e)],
      price: {
        currency,
        value: formatMoney(e.estimate.value),
        minimum_value: formatMoney(e.estimate.minimum),
        maximum_value: formatMoney(e.estimate.maximum),
      },
      tags: [
        tag(
          'FARE_BREAKUP',
          e.estimate.breakup.lines.map((line): [string, string] => [line.title, formatMoney(line.price)]),
        ),
        tag('INFO', [
          ['DISTANCE_TO_NEAREST_DRIVER_METER', String(Math.round(e.nearestDriverMeters))],
          ['ROUTE_DISTANCE_METER', String(input.distanceMeters)],
          ['ROUTE_DURATION_SECONDS', String(input.durationSeconds)],
        ]),
        ...(gate
          ? [
              tag('SPECIAL_LOCATION', [
                ['SPECIAL_LOCATION_NAME', gate.locationName],
                ['SPECIAL_LOCATION_CATEGORY', gate.category],
                ['PICKUP_GATE_NAME', gate.gateName],
              ]),
            ]
          : []),
      ],
    };
  });
  return {
    catalog: {
      descriptor,
      providers: [{ id: input.providerId, descriptor, fulfillments, items, payments: [input.payment] }],
    },
  };
}
