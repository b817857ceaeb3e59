import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import type { CorrelationStore } from '../../infra/correlation/index.js';
import type { CallbackHandler } from '../../protocol/index.js';
import { NackError } from '../../protocol/errors/index.js';
import { announce, recordApplied } from '../callback-record.js';
import type { Logger } from '../../infra/logging/logger.js';
import { BAP_SCHEMA, searchChannel } from '../bap-deps.js';
import { findSearchByTransaction } from './search-store.js';

interface CatalogItem {
  id?: string;
  descriptor?: { code?: string; name?: string };
  fulfillment_ids?: string[];
  price?: { currency?: string; value?: string; minimum_value?: string; maximum_value?: string };
}
interface CatalogFulfillment {
  id?: string;
  vehicle?: { category?: string; variant?: string };
}
interface CatalogProvider {
  id?: string;
  descriptor?: { name?: string };
  items?: CatalogItem[];
  fulfillments?: CatalogFulfillment[];
}

const decimal = /^[0-9]+(\.[0-9]+)?$/;

export interface Offer {
  providerId: string;
  providerName: string | null;
  itemId: string;
  fulfillmentId: string | null;
  category: string | null;
  variant: string | null;
  min: string;
  max: string;
  currency: string;
  raw: { provider: Omit<CatalogProvider, 'items' | 'fulfillments'>; item: CatalogItem; fulfillment: CatalogFulfillment | null };
}

/**
 * The offers of an on_search catalog: one per provider item, with the
 * vehicle of its fulfillment, its price range and estimated value (kept in
 * the raw offer), and the provider's name (else the catalog's). An item without a usable
 * price makes the catalog invalid (ONDC 20006 at the BAP), so nothing of it
 * is kept.
 */
export function offersOf(message: unknown): Offer[] {
  const catalog = (message as { catalog?: { descriptor?: { name?: unknown }; providers?: CatalogProvider[] } } | null)?.catalog;
  const providers = catalog?.providers ?? [];
  // ONDC:TRV10 catalogs name the provider platform on the catalog (X16); a provider's own name wins.
  const catalogName = typeof catalog?.descriptor?.name === 'string' && catalog.descriptor.name.length > 0 ? catalog.descriptor.name : null;
  const offers: Offer[] = [];
  for (const [p, provider] of providers.entries()) {
    if (typeof provider.id !== 'string') throw new NackError('INVALID_RESPONSE', 'a catalog provider has no id', `/message/catalog/providers/${p}/id`);
    for (const [i, item] of (provider.items ?? []).entries()) {
      const path = `/message/catalog/providers/${p}/items/${i}`;
      if (typeof item.id !== 'string') throw new NackError('INVALID_RESPONSE', 'a catalog item has no id', `${path}/id`);
      const price = item.price ?? {};
      const min = price.minimum_value ?? price.value;
      const max = price.maximum_value ?? price.value;
      if (!min || !max || !decimal.test(min) || !decimal.test(max) || Number(min) > Number(max) || !price.currency) {
        throw new NackError('INVALID_RESPONSE', 'a catalog item has no usable price (value or minimum/maximum, and currency)', `${path}/price`);
      }
      const fulfillment = (provider.fulfillments ?? []).find((f) => f.id !== undefined && (item.fulfillment_ids ?? []).includes(f.id)) ?? null;
      const { items: _items, fulfillments: _fulfillments, ...providerHead } = provider;
      offers.push({
        providerId: provider.id,
        providerName: (typeof provider.descriptor?.name === 'string' && provider.descriptor.name.length > 0 ? provider.descriptor.name : null) ?? catalogName,
        itemId: item.id,
        fulfillmentId: fulfillment?.id ?? null,
        category: fulfillment?.vehicle?.category ?? null,
        variant: fulfillment?.vehicle?.variant ?? null,
        min,
        max,
        currency: price.currency,
        raw: { provider: providerHead, item, fulfillment },
      });
    }
  }
  return offers;
}

const insertSql = `
  INSERT INTO ${BAP_SCHEMA}.estimate (id, search_request_id, bpp_id, bpp_uri, provider_id, provider_name, item_id, fulfillment_id,
    vehicle_category, vehicle_variant, min_fare, max_fare, currency, on_search_message_id, offer, domain)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
  ON CONFLICT (search_request_id, bpp_id, provider_id, item_id) DO NOTHING`;

/**
 * on_search → estimates. Each BPP's answer (directly or through a gateway)
 * adds its offers to the search as it arrives, each kept with the domain it
 * came in (a search goes out in every configured domain), under which it is
 * then selected and booked; late answers never get here
 * (the pipeline NACKs them with 20009). An error answer (e.g. a city the BPP
 * does not serve) is recorded and adds nothing. Event streams on every
 * replica are woken once the estimates are committed.
 */
export function createOnSearchHandler(deps: { sequelize: Sequelize; correlation: CorrelationStore; logger: Logger }): CallbackHandler {
  return async (callback, transaction) => {
    const search = await findSearchByTransaction(deps.sequelize, transaction, callback.context.transaction_id ?? '');
    if (!search) throw new NackError('UNKNOWN_TRANSACTION', 'on_search for a search this BAP does not know', '/context/transaction_id');
    if (callback.error) {
      const code = (callback.error as { code?: unknown }).code;
      await recordApplied(deps.sequelize, transaction, callback, `error ${String(code ?? '')}`.trim());
      return;
    }
    const bppId = callback.context.bpp_id;
    const bppUri = callback.context.bpp_uri;
    if (!bppId || !bppUri) throw new NackError('CONTEXT_INVALID', 'on_search must name its bpp_id and bpp_uri', '/context/bpp_id');
    const offers = offersOf(callback.message);
    for (const offer of offers) {
      await deps.sequelize.query(insertSql, {
        bind: [
          randomUUID(),
          search.id,
          bppId,
          bppUri,
          offer.providerId,
          offer.providerName,
          offer.itemId,
          offer.fulfillmentId,
          offer.category,
          offer.variant,
          offer.min,
          offer.max,
          offer.currency,
          callback.context.message_id ?? '',
          JSON.stringify(offer.raw),
          callback.context.domain ?? search.domain,
        ],
        transaction,
      });
    }
    await recordApplied(deps.sequelize, transaction, callback, `${offers.length} offers`);
    transaction.afterCommit(() => announce(deps, searchChannel(search.id)));
  };
}
