import { AppError, type RouteSpec } from '../src/infra/http/index.js';
import type { Logger } from '../src/infra/logging/logger.js';
import type { SubscriberType } from '../src/protocol/registry-client/index.js';
import { requireAdmin } from './admin-token.js';
import { applySubscription } from './apply-subscription.js';
import {
  lookupRequestSchema,
  lookupResponseSchema,
  statusRequestSchema,
  subscribeRequestSchema,
  subscriberRecordSchema,
} from './schemas.js';
import { subscribeAuthority } from './subscribe-authority.js';
import { parseSubscriberInput, type SubscriptionStatus } from './subscriber-input.js';
import { nonPublicUrlProblem } from './subscriber-url-policy.js';
import type { SubscriberStore } from './subscriber-store.js';
import { toWireRecord } from './wire-record.js';

export interface RegistryRouteDeps {
  store: SubscriberStore;
  adminToken: string;
  clock: () => Date;
  clockSkewSeconds: number;
  /** Accept subscriber URLs on loopback, link-local and private addresses (a dev network on one machine). */
  allowPrivateUrls: boolean;
  logger: Logger;
}

interface LookupBody {
  subscriber_id?: string;
  unique_key_id?: string;
  ukId?: string;
  type?: string;
  domain?: string;
  city?: string;
  country?: string;
}

const tag = 'registry';

export function registryRoutes(deps: RegistryRouteDeps): RouteSpec[] {
  const { store, adminToken, clock, logger } = deps;
  return [
    {
      method: 'post',
      path: '/registry/lookup',
      summary: 'Subscriber records matching the filter, of every status, in both naming styles',
      tag,
      request: { body: lookupRequestSchema },
      responses: { 200: { description: 'Matching records (possibly none)', schema: lookupResponseSchema } },
      handler: async ({ body }, res) => {
        const filter = body as LookupBody;
        if (filter.unique_key_id !== undefined && filter.ukId !== undefined && filter.unique_key_id !== filter.ukId) {
          throw new AppError('VALIDATION_FAILED', 'unique_key_id and ukId name different keys');
        }
        const records = await store.lookup({
          subscriberId: filter.subscriber_id,
          uniqueKeyId: filter.unique_key_id ?? filter.ukId,
          type: filter.type?.toUpperCase() as SubscriberType | undefined,
          domain: filter.domain,
          city: filter.city,
          country: filter.country,
        });
        res.json(records.map(toWireRecord));
      },
    },
    {
      method: 'post',
      path: '/registry/subscribe',
      summary:
        'Adds or updates a key record: with the admin token (SUBSCRIBED), signed by a subscribed key of the same ' +
        'subscriber (key rotation), or self-signed by a new subscriber (INITIATED until approved)',
      tag,
      request: { body: subscribeRequestSchema },
      responses: { 200: { description: 'The record as stored', schema: subscriberRecordSchema } },
      handler: async ({ body, rawBody, req }, res) => {
        const { replaces_unique_key_id: replacesUniqueKeyId, ...fields } = body as Record<string, unknown>;
        const parsed = parseSubscriberInput(fields);
        if (!parsed.ok) {
          throw new AppError('VALIDATION_FAILED', 'invalid subscriber record', parsed.problems.map((message) => ({ path: '/', message })));
        }
        const now = clock();
        const authority = await subscribeAuthority(req.get('authorization'), rawBody, parsed.input, {
          store,
          adminToken,
          now,
          clockSkewSeconds: deps.clockSkewSeconds,
        });
        // Checked once the caller is known to be allowed to subscribe, so strangers cannot make the registry resolve names.
        const urlProblem = deps.allowPrivateUrls ? null : await nonPublicUrlProblem(parsed.input.subscriberUrl);
        if (urlProblem !== null) {
          throw new AppError('VALIDATION_FAILED', 'invalid subscriber record', [{ path: '/subscriber_url', message: urlProblem }]);
        }
        const record = await applySubscription(
          { input: parsed.input, ...(typeof replacesUniqueKeyId === 'string' ? { replacesUniqueKeyId } : {}) },
          authority,
          store,
          now,
        );
        logger.info(
          { subscriberId: record.subscriberId, uniqueKeyId: record.uniqueKeyId, status: record.status, by: authority.kind, replacesUniqueKeyId },
          'registry subscribe',
        );
        res.json(toWireRecord(record));
      },
    },
    {
      method: 'post',
      path: '/registry/subscribers/:subscriberId/:uniqueKeyId/status',
      summary: "Sets a key record's status (e.g. approves an INITIATED subscriber)",
      tag,
      security: 'adminToken',
      authorize: (req) => requireAdmin(req, adminToken),
      request: { body: statusRequestSchema },
      responses: { 200: { description: 'The record with its new status', schema: subscriberRecordSchema } },
      handler: async ({ body, params, req }, res) => {
        const { subscriberId = '', uniqueKeyId = '' } = params;
        const { status } = body as { status: SubscriptionStatus };
        const record = await store.setStatus(subscriberId, uniqueKeyId, status, clock());
        if (record === null) throw new AppError('NOT_FOUND', `key ${subscriberId}|${uniqueKeyId} is not registered`);
        logger.info({ subscriberId, uniqueKeyId, status }, 'registry status changed');
        res.json(toWireRecord(record));
      },
    },
  ];
}
