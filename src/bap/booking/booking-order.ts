import type { CallbackFulfillment, CallbackOrder } from './order-checks.js';
import type { SelectedQuote } from './booking-store.js';
import type { BapPaymentTermsSettings } from '../bap-deps.js';

/** How the rider pays: before the ride, to the rider side (PRE-ORDER), or at its end, to the provider (ON-FULFILLMENT). */
export type RiderPaymentType = 'PRE-ORDER' | 'ON-FULFILLMENT';
export const RIDER_PAYMENT_TYPES: readonly RiderPaymentType[] = ['PRE-ORDER', 'ON-FULFILLMENT'];

const tagGroup = (code: string, list: [string, string][]) => ({
  descriptor: { code },
  display: false,
  list: list.map(([item, value]) => ({ descriptor: { code: item }, value })),
});

/**
 * The rider side's ONDC:TRV10 payment tags, as the search and init examples
 * write them: BUYER_FINDER_FEES (a percentage of the order) and the
 * SETTLEMENT_TERMS it proposes, both with `display: false`.
 */
export function bapPaymentTags(terms: BapPaymentTermsSettings): Record<string, unknown>[] {
  const { settlement } = terms;
  return [
    tagGroup('BUYER_FINDER_FEES', [
      ['BUYER_FINDER_FEES_TYPE', 'percent'],
      ['BUYER_FINDER_FEES_PERCENTAGE', terms.buyerFinderFeePercentage],
    ]),
    tagGroup('SETTLEMENT_TERMS', [
      ['SETTLEMENT_WINDOW', settlement.window],
      ['SETTLEMENT_BASIS', settlement.basis],
      ['SETTLEMENT_TYPE', settlement.type],
      ['MANDATORY_ARBITRATION', String(settlement.mandatoryArbitration)],
      ['COURT_JURISDICTION', settlement.courtJurisdiction],
      ['DELAY_INTEREST', settlement.delayInterest],
      ['STATIC_TERMS', settlement.staticTerms],
    ]),
  ];
}

/**
 * The payment this BAP proposes in init (ONDC:TRV10 2.0.1). PRE-ORDER: the
 * rider side collects through its payment gateway before confirming, and
 * settles with the BPP within the configured settlement window. ON-FULFILLMENT:
 * the provider collects at the end of the ride (cash to the driver or its own
 * gateway). Either way it carries the rider side's fee and settlement terms.
 */
export function bapPaymentTerms(type: RiderPaymentType, terms: BapPaymentTermsSettings): Record<string, unknown> {
  return {
    collected_by: type === 'PRE-ORDER' ? 'BAP' : 'BPP',
    type,
    status: 'NOT-PAID',
    tags: bapPaymentTags(terms),
  };
}

export interface Rider {
  name: string;
  phone: string;
}

/** The quoted fulfillment: the one the quote names, else the first of its order. */
function quotedFulfillment(quote: Pick<SelectedQuote, 'order_json' | 'fulfillment_id'>): CallbackFulfillment {
  const fulfillments = ((quote.order_json ?? {}) as CallbackOrder).fulfillments ?? [];
  return fulfillments.find((f) => f.id === quote.fulfillment_id) ?? fulfillments[0] ?? {};
}

/**
 * The draft order of init, and of confirm with the payment the BPP agreed
 * to in on_init: the selected provider and item, the rider (billing and
 * fulfillment customer), the quoted route and the vehicle asked for.
 */
export function buildDraftOrder(
  quote: Pick<SelectedQuote, 'order_json' | 'fulfillment_id' | 'provider_id' | 'item_id' | 'vehicle_category' | 'vehicle_variant'>,
  rider: Rider,
  payment: Record<string, unknown>,
): { order: Record<string, unknown> } {
  const fulfillment = quotedFulfillment(quote);
  const stops = (fulfillment.stops ?? []).map(({ authorization: _authorization, ...stop }) => stop);
  const category = fulfillment.vehicle?.category ?? quote.vehicle_category;
  const variant = fulfillment.vehicle?.variant ?? quote.vehicle_variant;
  return {
    order: {
      provider: { id: quote.provider_id },
      items: [{ id: quote.item_id }],
      billing: { name: rider.name },
      fulfillments: [
        {
          id: quote.fulfillment_id ?? fulfillment.id,
          customer: { person: { name: rider.name }, contact: { phone: rider.phone } },
          stops,
          vehicle: { category, ...(variant ? { variant } : {}) },
        },
      ],
      payments: [payment],
    },
  };
}

/** The context of a request in a booking's transaction, addressed to the BPP that made the offer. */
export function bookingContext(
  settings: { version: string; countryCode: string; requestTtl: string },
  at: { domain: string; city_code: string; transaction_id: string; bpp_id: string; bpp_uri: string },
) {
  return {
    domain: at.domain,
    version: settings.version,
    location: { city: { code: at.city_code }, country: { code: settings.countryCode } },
    transaction_id: at.transaction_id,
    bpp_id: at.bpp_id,
    bpp_uri: at.bpp_uri,
    ttl: settings.requestTtl,
  };
}
