import { AppError, errorBodySchema, type RouteSpec } from '../src/infra/http/index.js';
import type { Logger } from '../src/infra/logging/logger.js';
import type { SubscriberType } from '../src/protocol/registry-client/index.js';
import { requireAdmin } from './admin-token.js';
import { applySubscription } from './apply-subscription.js';
import { verifyLookupSignature } from './lookup-signature.js';
import {
  lookupRequestSchema,
  challengeResponseSchema,
  lookupResponseSchema,
  statusRequestSchema,
  subscribeRequestSchema,
  subscribeResponseSchema,
  subscriberRecordSchema,
} from './schemas.js';
import type { Challenger } from './subscribe-challenge.js';
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
  /** Refuse lookups that are not signed by a subscribed key. */
  requireSignedLookup: boolean;
  challenger: Challenger;
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
const errorResponse = (description: string) => ({ description, schema: errorBodySchema });

export function registryRoutes(deps: RegistryRouteDeps): RouteSpec[] {
  const { store, adminToken, clock, logger } = deps;
  return [
    {
      method: 'post',
      path: '/registry/lookup',
      summary:
        'Subscriber records matching the filter, of every status, in both naming styles; may be signed ' +
        '(Authorization: Signature by a subscribed key), which the registry requires when configured to',
      tag,
      request: { body: lookupRequestSchema },
      responses: {
        200: { description: 'Matching records (possibly none)', schema: lookupResponseSchema },
        401: errorResponse('A signature that does not verify, or none where signed lookups are required'),
      },
      handler: async ({ body, rawBody, req }, res) => {
        await verifyLookupSignature(req.get('authorization'), rawBody, {
          store,
          now: clock(),
          clockSkewSeconds: deps.clockSkewSeconds,
          required: deps.requireSignedLookup,
        });
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
        'subscriber (key rotation), or self-signed by a new subscriber (INITIATED until it answers the on_subscribe ' +
        'challenge sent to its subscriber_url after this answer, or an admin approves it)',
      tag,
      request: { body: subscribeRequestSchema },
      responses: {
        200: { description: 'ACK with the record as stored, and whether an on_subscribe challenge follows', schema: subscribeResponseSchema },
        401: errorResponse('No admin token or valid signature'),
      },
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
        // Only a new subscriber proves it holds its encryption key and URL; the admin and a subscribed key vouch for theirs.
        const challenged = authority.kind === 'applicant' && record.status === 'INITIATED';
        res.json({ ...toWireRecord(record), challenge: challenged ? 'SENT' : 'NONE', message: { ack: { status: 'ACK' } } });
        if (challenged) deps.challenger.start(record);
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
    {
      method: 'get',
      path: '/registry/subscribers/:subscriberId/:uniqueKeyId/challenge',
      summary: "A key record's status and how its latest on_subscribe challenge ended",
      tag,
      security: 'adminToken',
      authorize: (req) => requireAdmin(req, adminToken),
      responses: {
        200: { description: 'The status and the latest challenge (null when none was sent)', schema: challengeResponseSchema },
        401: errorResponse('No admin token'),
        404: errorResponse('No such key record'),
      },
      handler: async ({ params }, res) => {
        const { subscriberId = '', uniqueKeyId = '' } = params;
        const record = await store.find(subscriberId, uniqueKeyId);
        if (record === null) throw new AppError('NOT_FOUND', `key ${subscriberId}|${uniqueKeyId} is not registered`);
        const outcome = await deps.challenger.outcome(subscriberId, uniqueKeyId);
        res.json({
          subscriber_id: subscriberId,
          unique_key_id: uniqueKeyId,
          status: record.status,
          challenge:
            outcome === null
              ? null
              : { state: outcome.state, detail: outcome.detail, sent_at: outcome.sentAt, settled_at: outcome.settledAt },
        });
      },
    },
  ];
}
