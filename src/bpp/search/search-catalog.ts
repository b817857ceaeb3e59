import { formatMoney, multiplyRatio, parseDecimal, parseMoney, subtract, zero, type FareEstimate, type FarePolicy, type Money } from '../domain/index.js';
import type { VehicleCategory, VehicleVariant } from '../models/index.js';
import type { SearchStops } from './search-intent.js';
import type { PickupGate } from './search-data.js';

export interface CatalogEstimate {
  /** The estimate's id, also the RIDE item's id (a select names it) and, prefixed, its fulfillment's. */
  id: string;
  variant: VehicleVariant;
  category: VehicleCategory;
  nearestDriverMeters: number;
  /** Minutes the nearest driver needs to reach the pickup, by the route planner from their last position. */
  etaToNearestDriverMinutes: number;
  /** The policy the estimate was priced with (pickup charge as applied). */
  policy: FarePolicy;
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
 * ONDC FARE_POLICY item tag: the policy the item is priced with. Without a
 * night shift the multiplier is 1 over the empty window 00:00:00-00:00:00.
 */
export function farePolicyTag(policy: FarePolicy): Record<string, unknown> {
  const night = policy.nightShift;
  const clock = (time: string) => (time.length === 5 ? `${time}:00` : time);
  return tag('FARE_POLICY', [
    ['MIN_FARE', policy.baseFare],
    ['MIN_FARE_DISTANCE_KM', String(policy.baseDistanceMeters / 1000)],
    ['PER_KM_CHARGE', policy.perKmFare],
    ['PICKUP_CHARGE', policy.pickupCharge],
    ['WAITING_CHARGE_PER_MIN', policy.waitingPerMinuteFare],
    ['NIGHT_CHARGE_MULTIPLIER', night ? night.multiplier : '1'],
    ['NIGHT_SHIFT_START_TIME', night ? clock(night.start) : '00:00:00'],
    ['NIGHT_SHIFT_END_TIME', night ? clock(night.end) : '00:00:00'],
  ]);
}

/**
 * The item tags on_search sends for an estimate and every later message
 * repeats (stored with the estimate): FARE_POLICY, and INFO with the nearest
 * driver's distance and ETA and the route's distance and duration.
 */
export function estimateItemTags(e: CatalogEstimate, route: { distanceMeters: number; durationSeconds: number }): Record<string, unknown>[] {
  return [
    farePolicyTag(e.policy),
    tag('INFO', [
      ['DISTANCE_TO_NEAREST_DRIVER_METER', String(Math.round(e.nearestDriverMeters))],
      ['ETA_TO_NEAREST_DRIVER_MIN', String(e.etaToNearestDriverMinutes)],
      ['ROUTE_DISTANCE_METER', String(route.distanceMeters)],
      ['ROUTE_DURATION_SECONDS', String(route.durationSeconds)],
    ]),
  ];
}

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

const listValue = (group: TagGroup | undefined, code: string): string | undefined => {
  const entry = (group?.list ?? []).find((candidate) => candidate?.descriptor?.code === code) as { value?: unknown } | undefined;
  return typeof entry?.value === 'string' ? entry.value : undefined;
};

function moneyOr(text: string | undefined, currency: string): Money | null {
  if (text === undefined) return null;
  try {
    return parseMoney(text, currency);
  } catch {
    return null;
  }
}

function percentOf(value: Money, percentage: string): Money {
  const { units, scale } = parseDecimal(percentage);
  return multiplyRatio(value, units, 10n ** BigInt(scale) * 100n);
}

/**
 * The payment of one on_search item: the offered terms with the amounts of
 * that item's estimate. BUYER_FINDER_FEES keeps the type and percentage the
 * BAP asked for (a search naming none gets a zero percent fee) with the fee's
 * amount on this estimate (the asked amount when the type is `amount`, else
 * the percentage of the value); SETTLEMENT_TERMS gets SETTLEMENT_AMOUNT: what
 * the collector passes on, the value less the fee when the BAP collects, the
 * fee when the BPP does.
 */
export function itemPayment(offered: Record<string, unknown>, paymentId: string, value: Money): Record<string, unknown> {
  const tags: unknown[] = Array.isArray(offered.tags) ? offered.tags : [];
  const fees = tags.find((group) => codeOf(group) === 'BUYER_FINDER_FEES') as TagGroup | undefined;
  const settlement = tags.find((group) => codeOf(group) === 'SETTLEMENT_TERMS') as TagGroup | undefined;
  const type = listValue(fees, 'BUYER_FINDER_FEES_TYPE') ?? 'percent';
  const percentage = listValue(fees, 'BUYER_FINDER_FEES_PERCENTAGE') ?? '0';
  let fee: Money;
  try {
    fee = type === 'amount' ? (moneyOr(listValue(fees, 'BUYER_FINDER_FEES_AMOUNT'), value.currency) ?? zero(value.currency)) : percentOf(value, percentage);
  } catch {
    fee = zero(value.currency);
  }
  const settled = offered.collected_by === 'BPP' ? fee : subtract(value, fee);
  const withEntry = (group: TagGroup | undefined, code: string, entryValue: string) => ({
    ...group,
    list: [...(group?.list ?? []).filter((entry) => entry?.descriptor?.code !== code), { descriptor: { code }, value: entryValue }],
  });
  const feeGroup = withEntry(
    withEntry(withEntry({ descriptor: { code: 'BUYER_FINDER_FEES' }, ...fees, display: false } as TagGroup, 'BUYER_FINDER_FEES_TYPE', type), 'BUYER_FINDER_FEES_PERCENTAGE', percentage),
    'BUYER_FINDER_FEES_AMOUNT',
    formatMoney(fee),
  );
  return {
    ...offered,
    id: paymentId,
    tags: [feeGroup, ...(settlement ? [withEntry(settlement, 'SETTLEMENT_AMOUNT', formatMoney(settled))] : [])],
  };
}

const estimatePaymentId = (e: Pick<CatalogEstimate, 'id'>) => `PA-${e.id}`;

/** The payment on_search offers with an estimate's item (itemPayment under the item's payment id). */
export function estimatePayment(offered: Record<string, unknown>, e: Pick<CatalogEstimate, 'id' | 'estimate'>): Record<string, unknown> {
  return itemPayment(offered, estimatePaymentId(e), e.estimate.value);
}

/** The provider location an item is served from: the pickup, named by its position. */
export function pickupLocationId(gps: string): string {
  return `L-${gps.replace(/[^0-9.-]+/g, '_')}`;
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
  const locationId = pickupLocationId(input.stops.startGps);
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
      payment_ids: [estimatePaymentId(e)],
      location_ids: [locationId],
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
        ...estimateItemTags(e, { distanceMeters: input.distanceMeters, durationSeconds: input.durationSeconds }),
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
      providers: [
        {
          id: input.providerId,
          descriptor,
          locations: [{ id: locationId, gps: input.stops.startGps }],
          fulfillments,
          items,
          payments: input.estimates.map((e) => estimatePayment(input.payment, e)),
        },
      ],
    },
  };
}
