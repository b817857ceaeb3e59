import { randomUUID } from 'node:crypto';
import { AppError, type RouteSpec } from '../../infra/http/index.js';
import { parseIsoDuration } from '../../protocol/inbound/index.js';
import { RIDER_APP_TAG, RIDER_SECURITY, isOndcDomain, searchChannel, versionOfDomain, type BapDeps } from '../bap-deps.js';
import { bapPaymentTags } from '../booking/booking-order.js';
import { runIdempotent } from '../idempotency.js';
import type { RiderAuth } from '../rider-auth.js';
import { streamView } from '../rider-events.js';
import { estimatesOf, estimateView, findSearch, insertSearch, type LatLon, type SearchRow } from './search-store.js';
import { isUuid } from '../../infra/validation/index.js';
import { cellOf } from '../../infra/geo/index.js';
import { recordBapEvent } from '../business-events.js';
import { searchCreatedSchema, searchViewSchema } from '../rider-responses.js';

const point = {
  type: 'object',
  additionalProperties: false,
  required: ['lat', 'lon'],
  properties: { lat: { type: 'number', minimum: -90, maximum: 90 }, lon: { type: 'number', minimum: -180, maximum: 180 } },
} as const;

export const searchBodySchema = {
  $id: 'beckn-ride/rider-search',
  type: 'object',
  additionalProperties: false,
  required: ['pickup', 'drop'],
  properties: { pickup: point, drop: point },
} as const;

/** Beckn gps: "lat, lon" with six decimals (about 10 cm). */
export const gps = (p: LatLon) => `${p.lat.toFixed(6)}, ${p.lon.toFixed(6)}`;

function searchView(search: SearchRow, estimates: Awaited<ReturnType<typeof estimatesOf>>, now: number) {
  const validUntil = new Date(search.valid_until);
  return {
    id: search.id,
    transactionId: search.transaction_id,
    status: now < validUntil.getTime() ? 'SEARCHING' : 'DONE',
    validUntil: validUntil.toISOString(),
    pickup: { lat: search.from_lat, lon: search.from_lon },
    drop: { lat: search.to_lat, lon: search.to_lon },
    estimates: estimates.map(estimateView),
  };
}

/** The rider app's searches: start one (a Beckn search to the gateway), read its estimates, or follow them as they arrive. */
export function searchRoutes(deps: BapDeps, auth: RiderAuth): RouteSpec[] {
  const { sequelize, sender, settings } = deps;
  const now = deps.now ?? Date.now;

  const ownSearch = async (personId: string, id: string): Promise<SearchRow> => {
    const search = isUuid(id) ? await findSearch(sequelize, id, personId) : null;
    if (!search) throw new AppError('NOT_FOUND', `search ${id} not found`);
    return search;
  };

  return [
    {
      method: 'post',
      path: '/rider/searches',
      summary: 'Starts a search from pickup to drop: a Beckn search in each configured domain goes to the gateway; estimates arrive as BPPs answer, each with its domain',
      tag: RIDER_APP_TAG,
      security: RIDER_SECURITY,
      authorize: (req) => auth.requireRider(req),
      request: { body: searchBodySchema },
      responses: { 201: { description: 'The search started: its Beckn transaction and until when estimates are taken', schema: searchCreatedSchema } },
      handler: async ({ body, req }, res) => {
        const personId = auth.riderOf(req);
        const { pickup, drop } = body as { pickup: LatLon; drop: LatLon };
        const location = { city: { code: settings.cityCode }, country: { code: settings.countryCode } };
        // In every configured domain: through the gateway the registry names for it (looked up before the transaction opens), or to each configured BPP.
        const searches: { domain: string; targets: readonly string[] }[] = [];
        for (const domain of settings.domains) {
          searches.push({ domain, targets: settings.searchBppUris.length > 0 ? settings.searchBppUris : [await sender.searchTarget({ domain, location })] });
        }
        await runIdempotent(sequelize, req, res, personId, async (transaction) => {
          const id = randomUUID();
          const transactionId = randomUUID();
          const ttlMs = parseIsoDuration(settings.searchTtl) ?? 30_000;
          const stops = [{ type: 'START', location: { gps: gps(pickup) } }, { type: 'END', location: { gps: gps(drop) } }];
          const sent = [];
          for (const { domain, targets } of searches) {
            const request = {
              action: 'search' as const,
              context: { domain, version: versionOfDomain(domain), location, transaction_id: transactionId, ttl: settings.searchTtl },
              message: {
                intent: {
                  fulfillment: { stops },
                  // The rider side may collect (PRE-ORDER); the ONDC payment tags go with it where the profile defines them (not in core).
                  payment: { collected_by: 'BAP', ...(isOndcDomain(domain) ? { tags: bapPaymentTags(settings.paymentTerms) } : {}) },
                },
              },
            };
            for (const targetUrl of targets) sent.push(await sender.sendRequest({ ...request, targetUrl }, transaction));
          }
          const messageId = sent[0]?.messageId as string;
          const validUntil = new Date(now() + ttlMs);
          await insertSearch(sequelize, transaction, {
            id,
            person_id: personId,
            transaction_id: transactionId,
            message_id: messageId,
            domain: settings.domain,
            city_code: settings.cityCode,
            from_lat: pickup.lat,
            from_lon: pickup.lon,
            to_lat: drop.lat,
            to_lon: drop.lon,
            valid_until: validUntil,
          });
          // A replayed request (same idempotency key) answers from the stored response and records nothing.
          await recordBapEvent(sequelize, transaction, 'search.requested', { merchantId: null, city: settings.cityCode, cell: cellOf(pickup.lat, pickup.lon), variant: null }, id, {
            search_id: id,
            pickup,
            drop,
            distance_m: null,
          });
          return { status: 201, body: { searchId: id, transactionId, validUntil: validUntil.toISOString() } };
        });
      },
    },
    {
      method: 'get',
      path: '/rider/searches/:id',
      summary: 'The search and the estimates received so far',
      tag: RIDER_APP_TAG,
      security: RIDER_SECURITY,
      authorize: (req) => auth.requireRider(req),
      responses: { 200: { description: 'The search with its estimates', schema: searchViewSchema }, 404: { description: 'No such search of this rider' } },
      handler: async ({ params, req }, res) => {
        const search = await ownSearch(auth.riderOf(req), params.id as string);
        res.json(searchView(search, await estimatesOf(sequelize, search.id), now()));
      },
    },
    {
      method: 'get',
      path: '/rider/searches/:id/events',
      summary: 'Server-sent events: one `estimate` event per estimate as it arrives, `end` when the search window closes',
      tag: RIDER_APP_TAG,
      security: RIDER_SECURITY,
      authorize: (req) => auth.requireRider(req),
      responses: { 200: { description: 'text/event-stream', contentType: 'text/event-stream' }, 404: { description: 'No such search of this rider' } },
      handler: async ({ params, req }, res) => {
        const search = await ownSearch(auth.riderOf(req), params.id as string);
        const closesAt = new Date(search.valid_until).getTime();
        await streamView(deps, req, res, searchChannel(search.id), async () => {
          const estimates = await estimatesOf(sequelize, search.id);
          const done = now() >= closesAt;
          return {
            items: estimates.map((e) => ({ key: e.id, event: 'estimate', data: estimateView(e) })),
            done,
            ...(done ? {} : { recheckAt: closesAt }),
          };
        });
      },
    },
  ];
}
