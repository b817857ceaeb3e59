import { AppError, type RouteSpec } from '../../infra/http/index.js';
import { RIDER_PAYMENTS_SCHEMA, recordWebhookEvent } from '../../payments/index.js';
import type { WebhookRefusal } from '../../payments/gateway/index.js';
import type { BapDeps } from '../bap-deps.js';
import { isUuid } from '../../infra/validation/index.js';
import { applyGatewayStatus, IN_PROGRESS_STATUSES } from './apply-order-status.js';
import { orderStatusOf } from './payment-store.js';
import { scheduleStatusCheck } from './status-check.js';

/** The gateways whose webhooks this route takes; the name is part of the replay key. */
const GATEWAYS = new Set(['juspay']);

const refusalCodes = { forged: 'UNAUTHORIZED', stale: 'UNAUTHORIZED', replayed: 'CONFLICT', malformed: 'VALIDATION_FAILED' } as const satisfies Record<WebhookRefusal, string>;

/**
 * `POST /payments/webhook/:gateway`: the gateway tells us an order moved.
 * The webhook is authenticated (its Basic credentials or signature), then
 * only taken as a hint: the order's status is read back from the gateway
 * and applied, with the event id, in one Postgres transaction, so a
 * redelivered event (or one that raced its twin) changes nothing the
 * second time and a forged status could not move money even if it got in.
 */
export function paymentWebhookRoutes(deps: BapDeps): RouteSpec[] {
  const { sequelize, logger, payments } = deps;
  return [
    {
      method: 'post',
      path: '/payments/webhook/:gateway',
      summary: "The payment gateway's webhook: authenticated, confirmed with an order status read, applied once per event id",
      tag: 'Payments',
      signature: { scheme: 'paymentGatewayWebhook', description: "The gateway's webhook credentials (HTTP Basic) or its signature headers, as the gateway adapter verifies them" },
      responses: {
        200: { description: '{status}: the order status after the event' },
        400: { description: 'Authentic but not an event beckn-ride understands' },
        401: { description: 'Forged (credentials or signature wrong) or stale (signed outside the tolerance window)' },
        404: { description: 'Unknown gateway or order' },
        409: { description: 'The event was handled already' },
      },
      handler: async ({ params, rawBody, req }, res) => {
        const gateway = params.gateway as string;
        if (!GATEWAYS.has(gateway)) throw new AppError('NOT_FOUND', `no payment gateway ${gateway}`);
        const verdict = await payments.gateway.verifyWebhook(req.headers, rawBody);
        if (!verdict.ok) {
          logger.warn({ gateway, reason: verdict.reason }, 'payment webhook refused');
          throw new AppError(refusalCodes[verdict.reason], `webhook refused: ${verdict.reason}`);
        }
        const { event } = verdict;
        if (event.subject.kind !== 'order') {
          logger.warn({ gateway, eventId: event.eventId, eventName: event.eventName }, 'payment webhook about a payout: the rider side makes none');
          throw new AppError('VALIDATION_FAILED', 'the rider side takes order events only');
        }
        const orderId = event.subject.orderId;
        const known = isUuid(orderId) ? await orderStatusOf(sequelize, orderId) : null;
        if (!known) {
          logger.warn({ gateway, eventId: event.eventId, paymentOrderId: orderId }, 'payment webhook about an unknown order');
          throw new AppError('NOT_FOUND', `no payment order ${orderId}`);
        }
        // Read outside the transaction: no row stays locked while the gateway answers.
        const confirmed = await payments.gateway.orderStatus(orderId);
        const outcome = await sequelize.transaction(async (transaction) => {
          if (!(await recordWebhookEvent(sequelize, RIDER_PAYMENTS_SCHEMA, { gateway, eventId: event.eventId, transaction }))) return 'replayed' as const;
          const applied = await applyGatewayStatus(deps, transaction, orderId, confirmed.status, confirmed);
          // A retried payment that is pending again gets its status checks back.
          if (applied.outcome === 'applied' && IN_PROGRESS_STATUSES.includes(confirmed.status)) scheduleStatusCheck(deps, transaction, orderId, known.status_check_attempts);
          return applied.outcome;
        });
        if (outcome === 'replayed') {
          logger.warn({ gateway, eventId: event.eventId, paymentOrderId: orderId }, 'payment webhook refused: replayed');
          throw new AppError('CONFLICT', 'webhook refused: replayed');
        }
        res.json({ status: confirmed.status });
      },
    },
  ];
}
