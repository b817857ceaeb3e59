import { NackError } from '../../protocol/errors/index.js';

/** The parts of a BPP's order (on_select, on_init, on_confirm) the rider side checks and keeps. */
export interface CallbackOrder {
  id?: unknown;
  status?: unknown;
  provider?: { id?: unknown };
  items?: { id?: unknown; fulfillment_ids?: unknown }[];
  fulfillments?: CallbackFulfillment[];
  quote?: { price?: { currency?: unknown; value?: unknown }; breakup?: unknown; ttl?: unknown };
  payments?: Record<string, unknown>[];
  cancellation_terms?: unknown;
  updated_at?: unknown;
}

export interface CallbackFulfillment {
  id?: unknown;
  type?: unknown;
  state?: { descriptor?: { code?: unknown } };
  stops?: { type?: unknown; location?: unknown; authorization?: { type?: unknown; token?: unknown } }[];
  agent?: { person?: { name?: unknown }; contact?: { phone?: unknown } };
  vehicle?: { category?: unknown; variant?: unknown; registration?: unknown };
  tags?: unknown;
}

const decimal = /^[0-9]+(\.[0-9]+)?$/;

/** A non-negative decimal amount as text, or null when `value` is none. */
export function amountOf(value: unknown): string | null {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  return typeof text === 'string' && decimal.test(text) ? text : null;
}

/** Compares two non-negative decimal strings exactly (no floating point): -1, 0 or 1. */
export function compareAmounts(a: string, b: string): number {
  const [ai = '', af = ''] = a.split('.');
  const [bi = '', bf = ''] = b.split('.');
  const aInt = ai.replace(/^0+(?=.)/, '');
  const bInt = bi.replace(/^0+(?=.)/, '');
  if (aInt.length !== bInt.length) return aInt.length < bInt.length ? -1 : 1;
  if (aInt !== bInt) return aInt < bInt ? -1 : 1;
  const width = Math.max(af.length, bf.length);
  const aFrac = af.padEnd(width, '0');
  const bFrac = bf.padEnd(width, '0');
  return aFrac === bFrac ? 0 : aFrac < bFrac ? -1 : 1;
}

/** The order of a callback's message; a message without one is not an answer. */
export function orderOf(message: unknown): CallbackOrder {
  const order = (message as { order?: unknown } | null)?.order;
  if (typeof order !== 'object' || order === null) throw new NackError('INVALID_RESPONSE', 'the callback carries no order', '/message/order');
  return order as CallbackOrder;
}

/** The order is for the provider and the one item this BAP asked for. */
export function checkProviderAndItems(order: CallbackOrder, expected: { providerId: string; itemId: string }): void {
  if (order.provider?.id !== expected.providerId) {
    throw new NackError('PROVIDER_MISMATCH', `the order names provider ${String(order.provider?.id)}, not ${expected.providerId} that was selected`, '/message/order/provider/id');
  }
  const items = order.items ?? [];
  if (items.length === 0) throw new NackError('ITEM_MISMATCH', 'the order has no item', '/message/order/items');
  for (const [i, item] of items.entries()) {
    if (item.id !== expected.itemId) {
      throw new NackError('ITEM_MISMATCH', `the order names item ${String(item.id)}, not ${expected.itemId} that was selected`, `/message/order/items/${i}/id`);
    }
  }
}

/**
 * The order's quoted price, which may not exceed `ceiling` (what the rider
 * was shown) nor change currency: a fare silently raised is refused with
 * QUOTE_CHANGED.
 */
export function checkedPrice(order: CallbackOrder, ceiling: { amount: string; currency: string; what: string }): { amount: string; currency: string } {
  const price = order.quote?.price;
  const amount = amountOf(price?.value);
  if (amount === null || typeof price?.currency !== 'string') {
    throw new NackError('INVALID_RESPONSE', 'the order has no usable quote price (value and currency)', '/message/order/quote/price');
  }
  if (price.currency !== ceiling.currency) {
    throw new NackError('QUOTE_CHANGED', `the quote is in ${price.currency}, ${ceiling.what} in ${ceiling.currency}`, '/message/order/quote/price/currency');
  }
  if (compareAmounts(amount, ceiling.amount) > 0) {
    throw new NackError('QUOTE_CHANGED', `the quoted price ${amount} is above ${ceiling.what} ${ceiling.amount}`, '/message/order/quote/price/value');
  }
  return { amount, currency: price.currency };
}

/** The error a BPP answered with instead of an order: its code and message. */
export function callbackErrorOf(error: unknown): { code: string; message: string } {
  const e = (error ?? {}) as { code?: unknown; message?: unknown };
  return { code: String(e.code ?? 'UNKNOWN'), message: typeof e.message === 'string' ? e.message : 'the provider answered with an error' };
}

export const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
