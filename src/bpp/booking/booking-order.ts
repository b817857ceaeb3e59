import { cancellationFee, formatMoney, parseMoney, zero, type FareBreakup, type FarePolicy, type FulfillmentState, type Money } from '../domain/index.js';
import { assignedDriverParts, buildSelectQuote, foldQuoteBreakup } from '../allocation/select-quote.js';
import type { SelectedEstimate } from '../allocation/allocation-data.js';
import type { AssignedDriver, StoredBooking } from './booking-store.js';
import type { PaymentTermsConfig, SettlementAccount, SettlementTerms } from '../../config/index.js';

/*
 * Orders are built in the ONDC:TRV10 names (fulfillment states, order status);
 * the message sender writes them in the callback's domain vocabulary
 * (src/protocol/vocabulary: nic2004:60221 says DRIVER_AT_PICKUP, COMPLETE ...).
 */

/** States a rider may cancel in once the order is confirmed, as the ONDC:TRV10 on_init example lists them. */
const cancellableStates: readonly FulfillmentState[] = ['RIDE_ASSIGNED', 'RIDE_ENROUTE_PICKUP', 'RIDE_ARRIVED_PICKUP', 'RIDE_STARTED'];

/** ONDC cancellation terms: the fare policy's fee in each cancellable state. */
export function cancellationTerms(policy: FarePolicy): Record<string, unknown>[] {
  return cancellableStates.map((state) => {
    const fee = cancellationFee(policy, state);
    return {
      fulfillment_state: { descriptor: { code: state } },
      reason_required: true,
      cancellation_fee: { amount: { currency: policy.currency, value: fee ? formatMoney(fee) : '0' } },
    };
  });
}

/** The provider's side of the payment terms: the settlement terms it offers and the account it is paid into. */
export interface ProviderPaymentTerms {
  settlement: SettlementTerms;
  /** null: no account configured, on_init names none. */
  account: SettlementAccount | null;
}

/** The provider's payment terms from the configuration. */
export function providerPaymentTermsOf(config: { paymentTerms: PaymentTermsConfig }): ProviderPaymentTerms {
  return { settlement: config.paymentTerms.settlement, account: config.paymentTerms.providerAccount };
}

/** ONDC `SETTLEMENT_TERMS` with the provider's values, `display: false` as the ONDC:TRV10 examples write it. */
export function providerSettlementTag(settlement: SettlementTerms): Record<string, unknown> {
  const list: [string, string][] = [
    ['SETTLEMENT_WINDOW', settlement.window],
    ['SETTLEMENT_BASIS', settlement.basis],
    ['SETTLEMENT_TYPE', settlement.type],
    ['MANDATORY_ARBITRATION', String(settlement.mandatoryArbitration)],
    ['COURT_JURISDICTION', settlement.courtJurisdiction],
    ['DELAY_INTEREST', settlement.delayInterest],
    ['STATIC_TERMS', settlement.staticTerms],
  ];
  return { descriptor: { code: 'SETTLEMENT_TERMS' }, display: false, list: list.map(([code, value]) => ({ descriptor: { code }, value })) };
}

/** on_init `params` naming the provider's settlement account, in the ONDC:TRV10 names. */
function accountParams(account: SettlementAccount): Record<string, string> {
  return {
    ...(account.bankCode !== undefined ? { bank_code: account.bankCode } : {}),
    ...(account.bankAccountNumber !== undefined ? { bank_account_number: account.bankAccountNumber } : {}),
    ...(account.virtualPaymentAddress !== undefined ? { virtual_payment_address: account.virtualPaymentAddress } : {}),
  };
}

/**
 * The payment on_init agrees to: the BAP's proposal as sent (its tags,
 * BUYER_FINDER_FEES and SETTLEMENT_TERMS, kept as agreed), with an id, its
 * type and status (ON-FULFILLMENT, NOT-PAID when it named none) and, when the
 * BPP collects, `params` naming the provider's settlement account as the
 * ONDC:TRV10 on_init example does (the configured parts replace what the BAP
 * put there; without a configured account the BAP's params stay).
 */
export function agreedPaymentTerms(
  payment: Record<string, unknown> | null,
  collectedBy: 'BAP' | 'BPP',
  paymentId: string,
  account: SettlementAccount | null,
): Record<string, unknown> {
  const sentParams = payment?.params !== null && typeof payment?.params === 'object' && !Array.isArray(payment.params) ? (payment.params as Record<string, unknown>) : undefined;
  const params = collectedBy === 'BPP' && account ? { ...sentParams, ...accountParams(account) } : sentParams;
  return {
    ...payment,
    id: paymentId,
    collected_by: collectedBy,
    type: payment?.type ?? 'ON-FULFILLMENT',
    status: payment?.status ?? 'NOT-PAID',
    ...(params !== undefined ? { params } : {}),
  };
}

interface CancellationTerm {
  fulfillment_state?: { descriptor?: { code?: unknown } };
  cancellation_fee?: { amount?: { currency?: unknown; value?: unknown } };
}

/**
 * The fee a booking's cancellation terms (stored as on_init sent them) set
 * for cancelling in `state`; a state they do not list costs nothing. The
 * terms are what the rider agreed to, so they decide the fee even after the
 * operator changed the fare policy they were built from.
 */
export function agreedCancellationFee(terms: readonly unknown[], state: FulfillmentState, currency: string): Money {
  const term = (terms as CancellationTerm[]).find((t) => t.fulfillment_state?.descriptor?.code === state);
  if (!term) return zero(currency);
  const amount = term.cancellation_fee?.amount;
  if (amount?.currency !== currency || typeof amount.value !== 'string') throw new Error(`the cancellation terms for ${state} carry no fee in ${currency}`);
  return parseMoney(amount.value, currency);
}

type Order = Record<string, unknown> & { fulfillments: Record<string, unknown>[]; items: Record<string, unknown>[] };

/**
 * The order as on_select quoted it (items, route, vehicle, the folded quote
 * breakup) plus the agreed payment and cancellation terms and the rider
 * (`customer`) as the BAP named them.
 */
function quotedOrder(estimate: SelectedEstimate, booking: StoredBooking, quoteTtlSeconds: number): Order {
  const { order } = buildSelectQuote(estimate, quoteTtlSeconds) as { order: Order };
  const paymentId = String(booking.paymentTerms.id);
  return {
    ...order,
    items: order.items.map((item) => ({ ...item, payment_ids: [paymentId] })),
    fulfillments: booking.customer ? order.fulfillments.map((fulfillment) => ({ ...fulfillment, customer: booking.customer })) : order.fulfillments,
    payments: [booking.paymentTerms],
    cancellation_terms: booking.cancellationTerms,
  };
}

/** on_init: the final draft, in the shape of the ONDC:TRV10 2.0.1 example. */
export function buildInitOrder(estimate: SelectedEstimate, booking: StoredBooking, quoteTtlSeconds: number): Record<string, unknown> {
  return { order: quotedOrder(estimate, booking, quoteTtlSeconds) };
}

/**
 * on_confirm: the order (the booking id), ACTIVE, its fulfillment
 * RIDE_ASSIGNED with the driver and vehicle, and the ride OTP in the START
 * stop. Everything comes from stored rows, so a repeated confirm gets the
 * same content. The driver's own phone number is not shared (a masked one
 * or the merchant's proxy number is).
 */
export function buildConfirmOrder(
  estimate: SelectedEstimate,
  booking: StoredBooking,
  driver: AssignedDriver,
  otp: string,
  quoteTtlSeconds: number,
): Record<string, unknown> {
  const order = quotedOrder(estimate, booking, quoteTtlSeconds);
  return {
    order: {
      id: booking.id,
      status: 'ACTIVE',
      ...order,
      fulfillments: order.fulfillments.map((fulfillment) => ({
        ...fulfillment,
        state: { descriptor: { code: 'RIDE_ASSIGNED' } },
        ...assignedDriverParts(driver),
        stops: (fulfillment.stops as { type: string }[]).map((stop) =>
          stop.type === 'START' ? { ...stop, authorization: { type: 'OTP', token: otp, status: 'UNCLAIMED' } } : stop,
        ),
      })),
      created_at: booking.createdAt.toISOString(),
      updated_at: booking.updatedAt.toISOString(),
    },
  };
}

/**
 * A confirmed order's fulfillment without its driver: no agent, the vehicle
 * as quoted (category and variant, no registration) and no OTP in the START
 * stop, the ride's driver having withdrawn.
 */
function withoutDriver(fulfillment: Record<string, unknown>): Record<string, unknown> {
  const { agent: _agent, vehicle, stops, ...rest } = fulfillment as { agent?: unknown; vehicle?: { category?: unknown; variant?: unknown }; stops?: Record<string, unknown>[] };
  return {
    ...rest,
    ...(vehicle ? { vehicle: { category: vehicle.category, variant: vehicle.variant } } : {}),
    ...(stops ? { stops: stops.map(({ authorization: _authorization, ...stop }) => stop) } : {}),
  };
}

/** The confirmed order with its driver removed (see withoutDriver), in whatever state and status it shows. */
export function withoutAssignedDriver(order: Record<string, unknown> & { fulfillments: Record<string, unknown>[] }): Record<string, unknown> & { fulfillments: Record<string, unknown>[] } {
  return { ...order, fulfillments: order.fulfillments.map(withoutDriver) };
}

/**
 * A confirmed order whose driver cancelled before reaching the pickup while
 * another is looked for: still ACTIVE, its fulfillment RIDE_CONFIRMED ("booking
 * accepted, no driver yet") without driver, registration or OTP.
 */
export function buildUnassignedOrder(confirmed: Record<string, unknown>): Record<string, unknown> {
  const order = withoutAssignedDriver((confirmed as { order: Order }).order);
  return {
    order: {
      ...order,
      status: 'ACTIVE',
      fulfillments: order.fulfillments.map((fulfillment) => ({ ...fulfillment, state: { descriptor: { code: 'RIDE_CONFIRMED' } } })),
    },
  };
}

/** The fulfillment states the driver app moves a ride through after RIDE_ASSIGNED. */
export type RideMoveState = 'RIDE_ENROUTE_PICKUP' | 'RIDE_ARRIVED_PICKUP' | 'RIDE_STARTED' | 'RIDE_ENDED';

/**
 * The order of an unsolicited on_status after a driver's move: the confirmed
 * order in the new fulfillment state. Once started the OTP is claimed; at
 * RIDE_ENDED the order is COMPLETED and the quote is the final fare, its
 * lines folded into the ONDC:TRV10 breakup titles.
 */
export function buildRideOrder(
  confirmed: Record<string, unknown>,
  state: RideMoveState,
  finalFare: FareBreakup | null,
  at: Date,
): Record<string, unknown> {
  const order = (confirmed as { order: Order & { quote: Record<string, unknown> } }).order;
  const claimed = state === 'RIDE_STARTED' || state === 'RIDE_ENDED';
  const quote = finalFare
    ? {
        ...order.quote,
        price: { currency: finalFare.total.currency, value: formatMoney(finalFare.total) },
        breakup: foldQuoteBreakup(
          finalFare.lines.map((line) => ({ code: line.code, amount: formatMoney(line.price) })),
          finalFare.total.currency,
        ),
      }
    : order.quote;
  return {
    order: {
      ...order,
      status: state === 'RIDE_ENDED' ? 'COMPLETED' : 'ACTIVE',
      quote,
      fulfillments: order.fulfillments.map((fulfillment) => ({
        ...fulfillment,
        state: { descriptor: { code: state } },
        stops: (fulfillment.stops as { type: string; authorization?: Record<string, unknown> }[]).map((stop) =>
          stop.authorization && claimed ? { ...stop, authorization: { ...stop.authorization, status: 'CLAIMED' } } : stop,
        ),
      })),
      updated_at: at.toISOString(),
    },
  };
}

/**
 * The confirmed order once cancelled, as on_status reports it: order
 * CANCELLED, its fulfillment RIDE_CANCELLED, the quote as confirmed.
 */
export function buildCancelledOrder(confirmed: Record<string, unknown>, at: Date): Record<string, unknown> {
  const order = (confirmed as { order: Order }).order;
  return {
    order: {
      ...order,
      status: 'CANCELLED',
      fulfillments: order.fulfillments.map((fulfillment) => ({ ...fulfillment, state: { descriptor: { code: 'RIDE_CANCELLED' } } })),
      updated_at: at.toISOString(),
    },
  };
}
