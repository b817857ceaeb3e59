import type { RouteSpec } from '../infra/http/index.js';
import type { HandlerRegistry } from '../protocol/index.js';
import { riderAdminRoutes } from './admin-routes.js';
import type { BapDeps } from './bap-deps.js';
import { createRiderAuth } from './rider-auth.js';
import { ANSWER_TIMEOUT_JOB, answerSweep, createAnswerTimeoutJob } from './booking/answer-timeout.js';
import { bookingRoutes } from './booking/booking-routes.js';
import { createOnConfirmHandler } from './booking/on-confirm.js';
import { createOnInitHandler } from './booking/on-init.js';
import { createOnSelectHandler } from './booking/on-select.js';
import { createUndeliveredRequestListener } from './booking/undelivered-request.js';
import { createOnCancelHandler, createOnRatingHandler, createOnSupportHandler, createOnTrackHandler, createOrderUpdateHandler, rideRoutes } from './ride/index.js';
import { createPaymentStatusCheckJob, createPaymentWindowJob, PAYMENT_STATUS_CHECK_JOB, PAYMENT_WINDOW_JOB, paymentRoutes, paymentWebhookRoutes } from './payment/index.js';
import { createRefundJob, PAYMENT_REFUND_JOB, refundSweep } from './payment/refund-job.js';
import { paymentSweep } from './payment/payment-sweep.js';
import { createOnSearchHandler } from './search/on-search.js';
import { searchRoutes } from './search/search-routes.js';

/** The rider app's REST surface, the operator's rider registration and the payment gateway's webhook (the rider side collects). */
export function riderRoutes(deps: BapDeps): RouteSpec[] {
  const auth = createRiderAuth(deps);
  return [
    ...riderAdminRoutes(deps, auth),
    ...searchRoutes(deps, auth),
    ...bookingRoutes(deps, auth),
    ...rideRoutes(deps, auth),
    ...paymentRoutes(deps, auth),
    ...paymentWebhookRoutes(deps),
  ];
}

/** Schedulers the answer timeout, sweep, payment status check and refund jobs are registered with (registerBap may run twice on one context). */
const answerTimeoutsOn = new WeakSet<object>();

/**
 * Registers the rider side's callback handlers, the job that ends a wait
 * for an answer that never comes and the sweep that ends those whose job
 * was lost (its first run due now), when this process plays the BAP role. A
 * callback whose handler the caller registered already (a test's
 * `beforeStart`) keeps it.
 */
export function registerBap(ctx: { config: { beckn: { roles: readonly string[] } }; beckn: { protocol: { handlers: HandlerRegistry } } }, deps: BapDeps): void {
  if (!ctx.config.beckn.roles.includes('bap')) return;
  const { handlers } = ctx.beckn.protocol;
  const register = (action: Parameters<HandlerRegistry['onCallback']>[0], make: () => Parameters<HandlerRegistry['onCallback']>[1]) => {
    if (!handlers.callback(action)) handlers.onCallback(action, make());
  };
  register('on_search', () => createOnSearchHandler(deps));
  register('on_select', () => createOnSelectHandler(deps));
  register('on_init', () => createOnInitHandler(deps));
  register('on_confirm', () => createOnConfirmHandler(deps));
  for (const action of ['select', 'init', 'confirm'] as const) {
    if (!handlers.deadLetter(action)) handlers.onDeadLetter(action, createUndeliveredRequestListener(deps));
  }
  if (!answerTimeoutsOn.has(deps.scheduler)) {
    answerTimeoutsOn.add(deps.scheduler);
    deps.scheduler.register(ANSWER_TIMEOUT_JOB, createAnswerTimeoutJob(deps));
    deps.scheduler.register(PAYMENT_STATUS_CHECK_JOB, createPaymentStatusCheckJob(deps));
    deps.scheduler.register(PAYMENT_WINDOW_JOB, createPaymentWindowJob(deps));
    deps.scheduler.register(PAYMENT_REFUND_JOB, createRefundJob(deps));
    const lostRefunds = refundSweep(deps);
    lostRefunds.register();
    lostRefunds.start().catch((error: unknown) => deps.logger.error({ err: error }, 'could not start the refund sweep; another replica or the next start will'));
    const sweep = answerSweep(deps);
    sweep.register();
    sweep.start().catch((error: unknown) => deps.logger.error({ err: error }, 'could not start the answer sweeps; another replica or the next start will'));
    const payments = paymentSweep(deps);
    payments.register();
    payments.start().catch((error: unknown) => deps.logger.error({ err: error }, 'could not start the payment sweep; another replica or the next start will'));
  }
  register('on_status', () => createOrderUpdateHandler(deps));
  register('on_update', () => createOrderUpdateHandler(deps));
  register('on_cancel', () => createOnCancelHandler(deps));
  register('on_track', () => createOnTrackHandler(deps));
  register('on_rating', () => createOnRatingHandler(deps));
  register('on_support', () => createOnSupportHandler(deps));
}
