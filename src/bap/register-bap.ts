import type { RouteSpec } from '../infra/http/index.js';
import type { HandlerRegistry } from '../protocol/handlers.js';
import { riderAdminRoutes } from './admin-routes.js';
import type { BapDeps } from './bap-deps.js';
import { createRiderAuth } from './rider-auth.js';
import { bookingRoutes } from './booking/booking-routes.js';
import { createOnConfirmHandler } from './booking/on-confirm.js';
import { createOnInitHandler } from './booking/on-init.js';
import { createOnSelectHandler } from './booking/on-select.js';
import { createUndeliveredRequestListener } from './booking/undelivered-request.js';
import { createOnCancelHandler, createOnRatingHandler, createOnSupportHandler, createOnTrackHandler, createOrderUpdateHandler, rideRoutes } from './ride/index.js';
import { createOnSearchHandler } from './search/on-search.js';
import { searchRoutes } from './search/search-routes.js';

/** The rider app's REST surface and the operator's rider registration. */
export function riderRoutes(deps: BapDeps): RouteSpec[] {
  const auth = createRiderAuth(deps);
  return [...riderAdminRoutes(deps, auth), ...searchRoutes(deps, auth), ...bookingRoutes(deps, auth), ...rideRoutes(deps, auth)];
}

/**
 * Registers the rider side's callback handlers when this process plays the
 * BAP role. A callback whose handler the caller registered already (a test's
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
  register('on_status', () => createOrderUpdateHandler(deps));
  register('on_update', () => createOrderUpdateHandler(deps));
  register('on_cancel', () => createOnCancelHandler(deps));
  register('on_track', () => createOnTrackHandler(deps));
  register('on_rating', () => createOnRatingHandler(deps));
  register('on_support', () => createOnSupportHandler(deps));
}
