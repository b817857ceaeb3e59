import type { Sequelize } from 'sequelize';
import type { CorrelationStore } from '../../infra/correlation/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import { NackError } from '../../protocol/errors/index.js';
import type { CallbackHandler } from '../../protocol/index.js';
import { parseIsoDuration } from '../../protocol/inbound/index.js';
import { searchChannel } from '../bap-deps.js';
import { announce, recordApplied } from '../callback-record.js';
import { failQuote, lockQuoteBySelect, receiveQuote, type SelectedQuote } from './booking-store.js';
import { callbackErrorOf, checkedPrice, checkProviderAndItems, orderOf, text } from './order-checks.js';

/** The BPP answering is the one the select went to. */
export function checkSameBpp(callback: { context: { bpp_id?: string } }, bppId: string): void {
  if (callback.context.bpp_id !== bppId) {
    throw new NackError('PROVIDER_MISMATCH', `the callback comes from ${String(callback.context.bpp_id)}, the request went to ${bppId}`, '/context/bpp_id');
  }
}

/**
 * on_select → the quote the rider may book. It must answer a select of this
 * BAP still waiting (by message_id), for the provider and item selected, at
 * a price not above the estimate's maximum; anything else is NACKed and
 * nothing is stored. An error answer (e.g. 90203: no driver accepted) fails
 * the quote with the BPP's code. The rider's views of the search are woken
 * once it is committed.
 */
export function createOnSelectHandler(deps: { sequelize: Sequelize; correlation: CorrelationStore; logger: Logger }): CallbackHandler {
  return async (callback, transaction) => {
    const quote: SelectedQuote | null = await lockQuoteBySelect(deps.sequelize, transaction, callback.context.message_id ?? '');
    if (!quote) throw new NackError('OUT_OF_SEQUENCE', 'on_select answers no select of this BAP', '/context/message_id');
    if (quote.status !== 'PENDING') throw new NackError('OUT_OF_SEQUENCE', `the select was answered already (quote ${quote.status})`, '/context/message_id');
    checkSameBpp(callback, quote.bpp_id);

    if (callback.error) {
      const error = callbackErrorOf(callback.error);
      await failQuote(deps.sequelize, transaction, quote.id, error);
      await recordApplied(deps.sequelize, transaction, callback, `quote ${quote.id} failed: ${error.code}`);
    } else {
      const order = orderOf(callback.message);
      checkProviderAndItems(order, { providerId: quote.provider_id, itemId: quote.item_id });
      const price = checkedPrice(order, { amount: quote.max_fare, currency: quote.estimate_currency, what: "the estimate's maximum fare" });
      const fulfillment = order.fulfillments?.[0];
      const ttlMs = typeof order.quote?.ttl === 'string' ? parseIsoDuration(order.quote.ttl) : null;
      await receiveQuote(deps.sequelize, transaction, quote.id, {
        price: price.amount,
        currency: price.currency,
        breakup: order.quote?.breakup ?? null,
        fulfillmentId: text(fulfillment?.id),
        driverName: text(fulfillment?.agent?.person?.name),
        vehicleNumber: text(fulfillment?.vehicle?.registration),
        validUntil: ttlMs === null ? null : new Date(callback.receivedAt.getTime() + ttlMs),
        order,
      });
      await recordApplied(deps.sequelize, transaction, callback, `quote ${quote.id} ${price.amount} ${price.currency}`);
    }
    transaction.afterCommit(() => announce(deps, searchChannel(quote.search_request_id)));
  };
}
