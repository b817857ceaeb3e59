import type { CallbackFulfillment, CallbackOrder } from './order-checks.js';
import type { SelectedQuote } from './booking-store.js';
import { isOndcDomain, versionOfDomain, type BapPaymentTermsSettings } from '../bap-deps.js';

/** How the rider pays: before the ride, to the rider side (PRE-ORDER), or at its end, to the provider (ON-FULFILLMENT). */
export type RiderPaymentType = 'PRE-ORDER' | 'ON-FULFILLMENT';
export const RIDER_PAYMENT_TYPES: readonly RiderPaymentType[] = ['PRE-ORDER', 'ON-FULFILLMENT'];

const tagGroup = (code: string, list: [string, string][]) => ({
  descriptor: { code },
  display: false,
  list: list.map(([item, value]) => ({ descriptor: { code: item }, value })),
});

/**
 * `percent` percent of a non-negative decimal amount, in exact decimal
 * arithmetic, rounded half up to two places (paise): 1 percent of 146 is 1.46.
 */
export function percentOf(amount: string, percent: string): string {
  const [ai = '0', af = ''] = amount.split('.');
  const [pi = '0', pf = ''] = percent.split('.');
  const numerator = BigInt(ai + af) * BigInt(pi + pf);
  // amount × percent / 100, in hundredths: × 100 / 100 cancels; the scales of both texts remain.
  const denominator = 10n ** BigInt(af.length + pf.length);
  const hundredths = (numerator * 2n + denominator) / (2n * denominator);
  return `${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')}`;
}

/** Subtracts two non-negative decimal amounts exactly, to two places, never below zero. */
function minus(amount: string, less: string): string {
  const hundredths = (text: string) => {
    const [i = '0', f = ''] = text.split('.');
    return BigInt(i + (f + '00').slice(0, 2));
  };
  const left = hundredths(amount) - hundredths(less);
  const value = left < 0n ? 0n : left;
  return `${value / 100n}.${String(value % 100n).padStart(2, '0')}`;
}

/**
 * What the rider side's payment tags say in money once a fare is known:
 * the finder fee (its percentage of the fare) and the settlement between
 * the two sides: the provider collecting owes the rider side the fee; the
 * rider side collecting owes the provider the fare less the fee. Before a
 * fare exists (search) both are 0: the percentage is the term.
 */
export interface PaymentAmounts {
  finderFee: string;
  settlement: string;
}

export function paymentAmountsOf(terms: BapPaymentTermsSettings, fare: string | null, collectedBy: 'BAP' | 'BPP'): PaymentAmounts {
  if (fare === null) return { finderFee: '0', settlement: '0' };
  const finderFee = percentOf(fare, terms.buyerFinderFeePercentage);
  return { finderFee, settlement: collectedBy === 'BPP' ? finderFee : minus(fare, finderFee) };
}

/**
 * The rider side's ONDC:TRV10 payment tags, every entry the TRV10 2.0.1
 * attribute lists mark mandatory: BUYER_FINDER_FEES (type, percentage and
 * amount) and the SETTLEMENT_TERMS it proposes (window, basis, type,
 * arbitration, court jurisdiction, delay interest, static terms and
 * amount), both with `display: false` as in the examples. The terms are the
 * operator's (configuration); the amounts follow from the fare.
 */
export function bapPaymentTags(terms: BapPaymentTermsSettings, amounts: PaymentAmounts = { finderFee: '0', settlement: '0' }): Record<string, unknown>[] {
  const { settlement } = terms;
  return [
    tagGroup('BUYER_FINDER_FEES', [
      ['BUYER_FINDER_FEES_TYPE', 'percent'],
      ['BUYER_FINDER_FEES_PERCENTAGE', terms.buyerFinderFeePercentage],
      ['BUYER_FINDER_FEES_AMOUNT', amounts.finderFee],
    ]),
    tagGroup('SETTLEMENT_TERMS', [
      ['SETTLEMENT_WINDOW', settlement.window],
      ['SETTLEMENT_BASIS', settlement.basis],
      ['SETTLEMENT_TYPE', settlement.type],
      ['MANDATORY_ARBITRATION', String(settlement.mandatoryArbitration)],
      ['COURT_JURISDICTION', settlement.courtJurisdiction],
      ['DELAY_INTEREST', settlement.delayInterest],
      ['STATIC_TERMS', settlement.staticTerms],
      ['SETTLEMENT_AMOUNT', amounts.settlement],
    ]),
  ];
}

type TagGroup = { descriptor?: { code?: unknown }; list?: { descriptor?: { code?: unknown } }[] } & Record<string, unknown>;

/**
 * The payment a confirm carries: the one on_init agreed, with any tag group
 * or entry of ours it left out added (a provider may answer with fewer tags
 * than were proposed); what the provider answered is never changed.
 */
export function withBapPaymentTags(payment: Record<string, unknown>, ours: Record<string, unknown>[]): Record<string, unknown> {
  const theirs = Array.isArray(payment.tags) ? (payment.tags as TagGroup[]) : [];
  const merged: TagGroup[] = theirs.map((group) => {
    const own = (ours as TagGroup[]).find((o) => o.descriptor?.code === group.descriptor?.code);
    if (!own || !Array.isArray(group.list)) return group;
    const missing = (own.list ?? []).filter((entry) => !group.list?.some((e) => e.descriptor?.code === entry.descriptor?.code));
    return missing.length === 0 ? group : { ...group, list: [...group.list, ...missing] };
  });
  for (const own of ours as TagGroup[]) if (!theirs.some((group) => group.descriptor?.code === own.descriptor?.code)) merged.push(own);
  return { ...payment, tags: merged };
}

/**
 * The payment this BAP proposes in init (ONDC:TRV10 2.0.1). PRE-ORDER: the
 * rider side collects through its payment gateway before confirming, and
 * settles with the BPP within the configured settlement window. ON-FULFILLMENT:
 * the provider collects at the end of the ride (cash to the driver or its own
 * gateway). Either way it carries the rider side's fee and settlement terms,
 * their amounts worked out from the quoted fare, and the rider side's
 * settlement account as its params when one is configured.
 */
export function bapPaymentTerms(type: RiderPaymentType, terms: BapPaymentTermsSettings, fare: string | null = null, domain = 'ONDC:TRV10'): Record<string, unknown> {
  const collectedBy = type === 'PRE-ORDER' ? 'BAP' : 'BPP';
  const account = terms.account ?? null;
  return {
    collected_by: collectedBy,
    type,
    status: 'NOT-PAID',
    // The rider side's account (ONDC:TRV10 init's params): where the provider collecting settles the finder fee.
    ...(account
      ? {
          params: {
            ...(account.bankCode !== undefined ? { bank_code: account.bankCode } : {}),
            ...(account.bankAccountNumber !== undefined ? { bank_account_number: account.bankAccountNumber } : {}),
            ...(account.virtualPaymentAddress !== undefined ? { virtual_payment_address: account.virtualPaymentAddress } : {}),
          },
        }
      : {}),
    // The ONDC payment tags; the core profile (nic2004:60221) defines none.
    ...(isOndcDomain(domain) ? { tags: bapPaymentTags(terms, paymentAmountsOf(terms, fare, collectedBy)) } : {}),
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

/** The quoted item's tags (ONDC:TRV10 FARE_POLICY and INFO), echoed in confirm. */
function quotedItemTags(quote: Pick<SelectedQuote, 'order_json' | 'item_id'>): unknown[] | null {
  const items = ((quote.order_json ?? {}) as CallbackOrder).items ?? [];
  const tags = (items.find((item) => item.id === quote.item_id) as { tags?: unknown } | undefined)?.tags;
  return Array.isArray(tags) && tags.length > 0 ? tags : null;
}

/**
 * The draft order of init, and of confirm with the payment the BPP agreed
 * to in on_init: the selected provider and item, the rider (billing and
 * fulfillment customer), the quoted route, the fulfillment's type (as
 * quoted, else DELIVERY, TRV10's ride) and the vehicle asked for. The
 * confirm (`echoOffer`) also carries back what the quote said of the offer,
 * as ONDC:TRV10 asks: the item's FARE_POLICY and INFO tags and the
 * fulfillment's ROUTE_INFO.
 */
export function buildDraftOrder(
  quote: Pick<SelectedQuote, 'order_json' | 'fulfillment_id' | 'provider_id' | 'item_id' | 'vehicle_category' | 'vehicle_variant'>,
  rider: Rider,
  payment: Record<string, unknown>,
  options: { echoOffer?: boolean } = {},
): { order: Record<string, unknown> } {
  const fulfillment = quotedFulfillment(quote);
  const stops = (fulfillment.stops ?? []).map(({ authorization: _authorization, ...stop }) => stop);
  const category = fulfillment.vehicle?.category ?? quote.vehicle_category;
  const variant = fulfillment.vehicle?.variant ?? quote.vehicle_variant;
  const type = typeof fulfillment.type === 'string' && fulfillment.type.length > 0 ? fulfillment.type : 'DELIVERY';
  const itemTags = options.echoOffer ? quotedItemTags(quote) : null;
  const fulfillmentTags = options.echoOffer && Array.isArray(fulfillment.tags) && fulfillment.tags.length > 0 ? fulfillment.tags : null;
  return {
    order: {
      provider: { id: quote.provider_id },
      items: [{ id: quote.item_id, ...(itemTags ? { tags: itemTags } : {}) }],
      billing: { name: rider.name },
      fulfillments: [
        {
          id: quote.fulfillment_id ?? fulfillment.id,
          type,
          customer: { person: { name: rider.name }, contact: { phone: rider.phone } },
          stops,
          vehicle: { category, ...(variant ? { variant } : {}) },
          ...(fulfillmentTags ? { tags: fulfillmentTags } : {}),
        },
      ],
      payments: [payment],
    },
  };
}

/** The context of a request in a booking's transaction, addressed to the BPP that made the offer, in the offer's domain and that domain's version. */
export function bookingContext(
  settings: { countryCode: string; requestTtl: string },
  at: { domain: string; city_code: string; transaction_id: string; bpp_id: string; bpp_uri: string },
) {
  return {
    domain: at.domain,
    version: versionOfDomain(at.domain),
    location: { city: { code: at.city_code }, country: { code: settings.countryCode } },
    transaction_id: at.transaction_id,
    bpp_id: at.bpp_id,
    bpp_uri: at.bpp_uri,
    ttl: settings.requestTtl,
  };
}
