import { randomUUID } from 'node:crypto';
import { AppError, type RouteSpec } from '../../infra/http/index.js';
import { parseIsoDuration } from '../../protocol/inbound/index.js';
import { RIDER_APP_TAG, RIDER_SECURITY, type BapDeps } from '../bap-deps.js';
import { runIdempotent } from '../idempotency.js';
import type { RiderAuth } from '../rider-auth.js';
import { findEstimateOf, findSearch, trimMoney } from '../search/search-store.js';
import { scheduleAnswerTimeout } from './answer-timeout.js';
import { bapPaymentTerms, bookingContext, buildDraftOrder, RIDER_PAYMENT_TYPES, type RiderPaymentType } from './booking-order.js';
import { findBookingOfQuote, findPerson, findQuoteOf, insertBooking, insertQuote, quotesOfSearch, type SelectedQuote } from './booking-store.js';
import { readBookingView } from './booking-view.js';
import { isUuid } from '../../infra/validation/index.js';
import { bookAcceptedSchema, bookingViewSchema, quotesSchema, selectAcceptedSchema } from '../rider-responses.js';

/**
 * The rider app's view of a quote: waiting for the BPP (PENDING), received
 * (price, driver, vehicle, validity), failed (the BPP's error), or EXPIRED:
 * still unanswered after the select's ttl, so any later answer is refused
 * as late and the rider should select again.
 */
export function quoteView(quote: SelectedQuote, now: number, selectTtlMs: number) {
  const expired = quote.status === 'PENDING' && now > new Date(quote.created_at).getTime() + selectTtlMs;
  return {
    id: quote.id,
    estimateId: quote.estimate_id,
    status: expired ? 'EXPIRED' : quote.status,
    price: quote.price === null ? null : { value: trimMoney(quote.price), currency: quote.currency },
    breakup: quote.breakup,
    driver: { name: quote.driver_name },
    vehicle: { number: quote.vehicle_number, category: quote.vehicle_category, variant: quote.vehicle_variant },
    validUntil: quote.valid_until === null ? null : new Date(quote.valid_until).toISOString(),
    error: quote.error_code === null ? null : { code: quote.error_code, message: quote.error_message },
    createdAt: new Date(quote.created_at).toISOString(),
  };
}

/** How a booking is paid: PRE-ORDER (through the rider side's gateway, before the confirm) or ON-FULFILLMENT (to the provider at the end of the ride, the default). */
export const bookBodySchema = {
  $id: 'beckn-ride/rider-book',
  type: 'object',
  additionalProperties: false,
  properties: { paymentType: { type: 'string', enum: [...RIDER_PAYMENT_TYPES] } },
} as const;

/**
 * From an estimate to a confirmed booking: select an estimate (a Beckn
 * select; the quote arrives with on_select), read the quotes, book one (a
 * Beckn init; on_init queues the confirm, on_confirm confirms) and read the
 * booking. Every change goes through `runIdempotent`.
 */
export function bookingRoutes(deps: BapDeps, auth: RiderAuth): RouteSpec[] {
  const { sequelize, sender, settings, cipher } = deps;
  const now = deps.now ?? Date.now;
  const selectTtlMs = parseIsoDuration(settings.requestTtl) ?? 30_000;
  const rider = { tag: RIDER_APP_TAG, security: RIDER_SECURITY, authorize: (req: Parameters<RiderAuth['requireRider']>[0]) => auth.requireRider(req) };

  return [
    {
      method: 'post',
      path: '/rider/estimates/:id/select',
      summary: "Selects an estimate: a Beckn select goes to its BPP; the quote arrives with on_select (see the search's quotes)",
      ...rider,
      responses: { 202: { description: 'The quote, PENDING until on_select', schema: selectAcceptedSchema }, 404: { description: 'No such estimate of this rider' } },
      handler: async ({ params, req }, res) => {
        const personId = auth.riderOf(req);
        const estimateId = params.id as string;
        await runIdempotent(sequelize, req, res, personId, async (transaction) => {
          const estimate = isUuid(estimateId) ? await findEstimateOf(sequelize, estimateId, personId, transaction) : null;
          if (!estimate) throw new AppError('NOT_FOUND', `estimate ${estimateId} not found`);
          const sent = await sender.sendRequest(
            {
              action: 'select',
              context: bookingContext(settings, estimate),
              message: { order: { provider: { id: estimate.provider_id }, items: [{ id: estimate.item_id }] } },
            },
            transaction,
          );
          const quoteId = randomUUID();
          await insertQuote(sequelize, transaction, { id: quoteId, estimateId: estimate.id, selectMessageId: sent.messageId });
          scheduleAnswerTimeout(deps, transaction, 'select', sent.messageId);
          return { status: 202, body: { quoteId } };
        });
      },
    },
    {
      method: 'get',
      path: '/rider/searches/:id/quotes',
      summary: 'The quotes of a search: pending, received (price, driver, vehicle) or failed (the BPP error)',
      ...rider,
      responses: { 200: { description: 'The quotes of the search', schema: quotesSchema }, 404: { description: 'No such search of this rider' } },
      handler: async ({ params, req }, res) => {
        const searchId = params.id as string;
        const search = isUuid(searchId) ? await findSearch(sequelize, searchId, auth.riderOf(req)) : null;
        if (!search) throw new AppError('NOT_FOUND', `search ${searchId} not found`);
        res.json({ quotes: (await quotesOfSearch(sequelize, search.id)).map((quote) => quoteView(quote, now(), selectTtlMs)) });
      },
    },
    {
      method: 'post',
      path: '/rider/quotes/:id/book',
      summary:
        'Books a received quote: a Beckn init goes to its BPP. Paid on fulfilment (the default), on_init queues the confirm; paid before the ride (paymentType PRE-ORDER), the booking awaits its payment (POST /rider/bookings/{id}/payment) and the charge sends the confirm; on_confirm confirms the booking',
      ...rider,
      request: { body: bookBodySchema },
      responses: {
        202: { schema: bookAcceptedSchema, description: 'The booking, INITIATING until on_init, AWAITING_PAYMENT until charged (PRE-ORDER), CONFIRMING until on_confirm' },
        404: { description: 'No such quote of this rider' },
        409: { description: 'The quote is not received, has expired or is booked already' },
      },
      handler: async ({ params, body, req }, res) => {
        const personId = auth.riderOf(req);
        const quoteId = params.id as string;
        const paymentType: RiderPaymentType = (body as { paymentType?: RiderPaymentType }).paymentType ?? 'ON-FULFILLMENT';
        await runIdempotent(sequelize, req, res, personId, async (transaction) => {
          const quote = isUuid(quoteId) ? await findQuoteOf(sequelize, quoteId, personId, transaction) : null;
          if (!quote) throw new AppError('NOT_FOUND', `quote ${quoteId} not found`);
          if (quote.status !== 'RECEIVED' || quote.price === null || quote.currency === null) {
            throw new AppError('CONFLICT', `quote ${quoteId} is ${quote.status}; only a received quote can be booked`);
          }
          if (quote.valid_until !== null && now() > new Date(quote.valid_until).getTime()) {
            throw new AppError('CONFLICT', `quote ${quoteId} expired at ${new Date(quote.valid_until).toISOString()}; select the estimate again`);
          }
          const booked = await findBookingOfQuote(sequelize, transaction, quote.id);
          if (booked) throw new AppError('CONFLICT', `quote ${quoteId} is booked already (booking ${booked.id})`);
          const person = await findPerson(sequelize, transaction, personId);
          if (!person) throw new AppError('NOT_FOUND', 'rider not found');
          const draft = buildDraftOrder(quote, { name: person.name, phone: cipher.decrypt(person.mobile_number_encrypted) }, bapPaymentTerms(paymentType, settings.paymentTerms, quote.price, quote.domain));
          const sent = await sender.sendRequest({ action: 'init', context: bookingContext(settings, quote), message: draft }, transaction);
          const bookingId = randomUUID();
          await insertBooking(sequelize, transaction, {
            id: bookingId,
            person_id: personId,
            quote_id: quote.id,
            transaction_id: quote.transaction_id,
            bpp_id: quote.bpp_id,
            bpp_uri: quote.bpp_uri,
            provider_id: quote.provider_id,
            item_id: quote.item_id,
            fulfillment_id: quote.fulfillment_id,
            quoted_fare: quote.price,
            currency: quote.currency,
            init_message_id: sent.messageId,
          });
          scheduleAnswerTimeout(deps, transaction, 'init', sent.messageId);
          return { status: 202, body: { bookingId } };
        });
      },
    },
    {
      method: 'get',
      path: '/rider/bookings/:id',
      summary: 'The booking: state, fare, terms, and once confirmed the ride (driver, vehicle, OTP, state history)',
      ...rider,
      responses: { 200: { description: 'The booking', schema: bookingViewSchema }, 404: { description: 'No such booking of this rider' } },
      handler: async ({ params, req }, res) => {
        const bookingId = params.id as string;
        const view = isUuid(bookingId) ? await readBookingView(deps, bookingId, auth.riderOf(req)) : null;
        if (!view) throw new AppError('NOT_FOUND', `booking ${bookingId} not found`);
        res.json(view);
      },
    },
  ];
}
