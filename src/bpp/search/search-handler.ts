import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import type { DriverLocationStore } from '../../infra/geo/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { RequestHandler } from '../../protocol/index.js';
import { cityOf } from '../../protocol/inbound/index.js';
import { estimateFare, parseMoney, type RoutePlanner } from '../domain/index.js';
import { providerSettlementTag, type ProviderPaymentTerms } from '../booking/booking-order.js';
import { buildCatalog, searchPaymentTerms, type CatalogEstimate } from './search-catalog.js';
import { findPickupGate, findServingCity, findVariantOffers } from './search-data.js';
import { parseSearchStops } from './search-intent.js';
import { saveSearch } from './search-store.js';
import { deterministicEventId, eventMoney, recordBppEvent, type EventPlace } from '../business-events.js';
import { cellOf } from '../../infra/geo/index.js';
import { compare } from '../domain/index.js';

export interface SearchHandlerDeps {
  sequelize: Sequelize;
  driverLocations: DriverLocationStore;
  routePlanner: RoutePlanner;
  /** Our BPP subscriber id: the merchant a search is for. */
  subscriberId: string;
  /** Drivers farther than this from the pickup are not counted as available. */
  searchRadiusMeters: number;
  /** How many nearby drivers are considered at most. */
  nearbyLimit: number;
  /** Zone of the fare policies' night-shift clock times. */
  nightShiftTimeZone: string;
  logger: Logger;
  now?: () => Date;
  /** The provider's settlement terms (providerPaymentTermsOf), offered in on_search. */
  paymentTerms?: ProviderPaymentTerms;
}

/** ONDC:TRV10 error codes this handler answers with. */
export const SEARCH_ERRORS = {
  notServiceable: '90201',
  invalidRequest: '30000',
} as const;

/** The variant a search asked for (intent.fulfillment.vehicle.variant), if any. */
function requestedVariant(message: unknown): string | null {
  const variant = (message as { intent?: { fulfillment?: { vehicle?: { variant?: unknown } } } } | null)?.intent?.fulfillment?.vehicle?.variant;
  return typeof variant === 'string' && variant.length > 0 ? variant : null;
}

/**
 * search.requested and, when the search got estimates, estimates.offered,
 * in the transaction that stores them. Their ids derive from the message
 * (bap, transaction, message id), so a handler run again for the same
 * search records nothing new, as saveSearch keeps one copy.
 */
async function recordSearchEvents(
  deps: SearchHandlerDeps,
  transaction: Parameters<RequestHandler>[1],
  input: {
    searchId: string;
    cityCode: string;
    merchantId: string;
    stops: { start: { lat: number; lon: number }; end: { lat: number; lon: number } };
    route: { distanceMeters: number };
    estimates: CatalogEstimate[];
    request: Parameters<RequestHandler>[0];
  },
): Promise<void> {
  const { context } = input.request;
  const key = [context.bap_id ?? '', context.transaction_id ?? '', context.message_id ?? ''];
  const place: EventPlace = { merchantId: input.merchantId, city: input.cityCode, cell: cellOf(input.stops.start.lat, input.stops.start.lon), variant: requestedVariant(input.request.message) };
  await recordBppEvent(
    deps.sequelize,
    transaction,
    'search.requested',
    place,
    input.searchId,
    { search_id: input.searchId, pickup: input.stops.start, drop: input.stops.end, distance_m: input.route.distanceMeters },
    undefined,
    deterministicEventId('search.requested', ...key),
  );
  const fares = input.estimates.map((e) => e.estimate.value);
  const [first, ...rest] = fares;
  if (!first) return;
  const min = rest.reduce((low, fare) => (compare(fare, low) < 0 ? fare : low), first);
  const max = rest.reduce((high, fare) => (compare(fare, high) > 0 ? fare : high), first);
  await recordBppEvent(
    deps.sequelize,
    transaction,
    'estimates.offered',
    { ...place, variant: null },
    input.searchId,
    { search_id: input.searchId, count: input.estimates.length, fare_min: eventMoney(min), fare_max: eventMoney(max), variants: [...new Set(input.estimates.map((e) => e.variant))] },
    undefined,
    deterministicEventId('estimates.offered', ...key),
  );
}

/**
 * search -> on_search: the merchant behind our subscriber id and the city
 * code, the route between START and END, and one estimate per vehicle variant
 * that has a fare policy in the city and an online driver near the pickup.
 * A pickup inside a special location pays the policy's pickup charge plus its
 * gate's driver extra; elsewhere there is no pickup charge. The search and
 * its estimates are stored with the callback, in the same transaction.
 */
export function createSearchHandler(deps: SearchHandlerDeps): RequestHandler {
  const now = deps.now ?? (() => new Date());
  return async (request, transaction) => {
    const cityCode = cityOf(request.context);
    const city = cityCode ? await findServingCity(deps.sequelize, transaction, deps.subscriberId, cityCode) : null;
    if (!city || !cityCode) return { error: { code: SEARCH_ERRORS.notServiceable, message: 'route not serviceable', paths: 'context.location.city.code' } };

    const stops = parseSearchStops(request.message);
    if ('paths' in stops) return { error: { code: SEARCH_ERRORS.invalidRequest, message: stops.message, paths: stops.paths } };

    const route = await deps.routePlanner.route(stops.start, stops.end);
    const pickupGate = await findPickupGate(deps.sequelize, transaction, city.cityId, stops.start);
    const nearby = await deps.driverLocations.nearby(stops.start, deps.searchRadiusMeters, { limit: deps.nearbyLimit });
    const offers = await findVariantOffers(deps.sequelize, transaction, city, nearby, deps.nightShiftTimeZone);

    const at = now();
    const estimates: CatalogEstimate[] = [];
    for (const offer of offers) {
      const policy = pickupGate ? offer.policy : { ...offer.policy, pickupCharge: '0' };
      const extra = pickupGate?.driverExtra ? parseMoney(pickupGate.driverExtra, policy.currency) : null;
      const driverAt = await deps.driverLocations.last(offer.nearestDriverId);
      const approach = driverAt ? await deps.routePlanner.route(driverAt, stops.start) : null;
      estimates.push({
        id: randomUUID(),
        variant: offer.variant,
        category: offer.category,
        nearestDriverMeters: offer.nearestDriverMeters,
        // The driver's position expired since nearby(): their straight-line distance at the trip's average speed.
        etaToNearestDriverMinutes: Math.max(
          1,
          Math.ceil((approach ? approach.durationSeconds : (offer.nearestDriverMeters * route.durationSeconds) / Math.max(1, route.distanceMeters)) / 60),
        ),
        policy,
        estimate: estimateFare(policy, {
          distanceMeters: route.distanceMeters,
          durationSeconds: route.durationSeconds,
          at,
          ...(extra && extra.minor > 0n ? { pickupChargeExtra: extra } : {}),
        }),
      });
    }
    const { context } = request;
    const searchId = randomUUID();
    const intentPayment = (request.message as { intent?: { payment?: unknown } } | null)?.intent?.payment;
    const payment = searchPaymentTerms(intentPayment, deps.paymentTerms ? providerSettlementTag(deps.paymentTerms.settlement) : null);
    await saveSearch(deps.sequelize, transaction, {
      id: searchId,
      city,
      bapId: context.bap_id ?? '',
      bapUri: context.bap_uri ?? '',
      transactionId: context.transaction_id ?? '',
      messageId: context.message_id ?? '',
      domain: context.domain ?? '',
      from: stops.start,
      to: stops.end,
      route,
      pickupGate,
      estimates,
      payment,
    });
    await recordSearchEvents(deps, transaction, { searchId, cityCode, merchantId: city.merchantId, stops, route, estimates, request });
    deps.logger.debug({ transactionId: request.context.transaction_id, city: city.cityId, variants: estimates.length }, 'search answered');

    return {
      message: buildCatalog({
        providerId: city.merchantId,
        providerName: city.merchantName,
        stops,
        distanceMeters: route.distanceMeters,
        durationSeconds: route.durationSeconds,
        pickupGate,
        estimates,
        payment,
      }),
    };
  };
}
