import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import type { DriverLocationStore } from '../../infra/geo/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { RequestHandler } from '../../protocol/handlers.js';
import { cityOf } from '../../protocol/inbound/beckn-context.js';
import { estimateFare, parseMoney, type RoutePlanner } from '../domain/index.js';
import { providerSettlementTag, type ProviderPaymentTerms } from '../booking/booking-order.js';
import { buildCatalog, searchPaymentTerms, type CatalogEstimate } from './search-catalog.js';
import { findPickupGate, findServingCity, findVariantOffers } from './search-data.js';
import { parseSearchStops } from './search-intent.js';
import { saveSearch } from './search-store.js';

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
    if (!city) return { error: { code: SEARCH_ERRORS.notServiceable, message: 'route not serviceable', paths: 'context.location.city.code' } };

    const stops = parseSearchStops(request.message);
    if ('paths' in stops) return { error: { code: SEARCH_ERRORS.invalidRequest, message: stops.message, paths: stops.paths } };

    const route = await deps.routePlanner.route(stops.start, stops.end);
    const pickupGate = await findPickupGate(deps.sequelize, transaction, city.cityId, stops.start);
    const nearby = await deps.driverLocations.nearby(stops.start, deps.searchRadiusMeters, { limit: deps.nearbyLimit });
    const offers = await findVariantOffers(deps.sequelize, transaction, city, nearby, deps.nightShiftTimeZone);

    const at = now();
    const estimates: CatalogEstimate[] = offers.map((offer) => {
      const policy = pickupGate ? offer.policy : { ...offer.policy, pickupCharge: '0' };
      const extra = pickupGate?.driverExtra ? parseMoney(pickupGate.driverExtra, policy.currency) : null;
      return {
        id: randomUUID(),
        variant: offer.variant,
        category: offer.category,
        nearestDriverMeters: offer.nearestDriverMeters,
        estimate: estimateFare(policy, {
          distanceMeters: route.distanceMeters,
          durationSeconds: route.durationSeconds,
          at,
          ...(extra && extra.minor > 0n ? { pickupChargeExtra: extra } : {}),
        }),
      };
    });
    const { context } = request;
    await saveSearch(deps.sequelize, transaction, {
      id: randomUUID(),
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
    });
    deps.logger.debug({ transactionId: request.context.transaction_id, city: city.cityId, variants: estimates.length }, 'search answered');

    const intentPayment = (request.message as { intent?: { payment?: unknown } } | null)?.intent?.payment;
    const payment = searchPaymentTerms(intentPayment, deps.paymentTerms ? providerSettlementTag(deps.paymentTerms.settlement) : null);
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
