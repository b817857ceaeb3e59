import type { Sequelize } from 'sequelize';
import { BOOKING_QUOTE_TTL_SECONDS, NIGHT_SHIFT_TIME_ZONE } from './bpp-settings.js';
import type { DriverLocationStore } from '../infra/geo/index.js';
import type { Logger } from '../infra/logging/logger.js';
import type { Scheduler } from '../infra/scheduler/index.js';
import type { HandlerRegistry } from '../protocol/handlers.js';
import type { RoutePlanner } from './domain/index.js';
import { ALLOCATION_TIMEOUT_JOB, createAllocationTimeoutJob, createSelectHandler } from './allocation/index.js';
import { createConfirmHandler, createInitHandler } from './booking/index.js';
import { createSearchHandler } from './search/index.js';

/** What the provider side's handlers need from the application context. */
export interface BppRuntime {
  config: { beckn: { roles: readonly string[]; subscriberIds: { bpp: string } } };
  beckn: { protocol: { handlers: HandlerRegistry } };
  sequelize: Sequelize;
  driverLocations: DriverLocationStore;
  routePlanner: RoutePlanner;
  scheduler: Scheduler;
  logger: Logger;
}

/** Tuning a caller (a test) may override. */
export interface BppOptions {
  /** How long a ride offer stays open before the allocation fails. */
  offerExpiryMs?: number;
}

/** Drivers within this distance of the pickup count as available for a search. */
const SEARCH_RADIUS_METERS = 5_000;
const NEARBY_DRIVER_LIMIT = 200;
/** A select offers the ride to at most this many of the nearest eligible drivers at once. */
const MAX_OFFERS_PER_ALLOCATION = 5;
const OFFER_EXPIRY_MS = 20_000;

/**
 * Registers the provider side's Beckn request handlers when this process plays
 * the BPP role. An action whose handler the caller registered already (a
 * test's `beforeStart`) keeps it.
 */
export function registerBpp(ctx: BppRuntime, options: BppOptions = {}): void {
  const { handlers } = ctx.beckn.protocol;
  if (!ctx.config.beckn.roles.includes('bpp')) return;
  if (!handlers.request('select')) {
    handlers.onRequest(
      'select',
      createSelectHandler({
        sequelize: ctx.sequelize,
        driverLocations: ctx.driverLocations,
        scheduler: ctx.scheduler,
        offerRadiusMeters: SEARCH_RADIUS_METERS,
        maxOffers: MAX_OFFERS_PER_ALLOCATION,
        offerExpiryMs: options.offerExpiryMs ?? OFFER_EXPIRY_MS,
        logger: ctx.logger,
      }),
    );
    ctx.scheduler.register(ALLOCATION_TIMEOUT_JOB, createAllocationTimeoutJob({ sequelize: ctx.sequelize, logger: ctx.logger }));
  }
  const bookingDeps = { sequelize: ctx.sequelize, quoteTtlSeconds: BOOKING_QUOTE_TTL_SECONDS, logger: ctx.logger };
  if (!handlers.request('init')) handlers.onRequest('init', createInitHandler(bookingDeps));
  if (!handlers.request('confirm')) handlers.onRequest('confirm', createConfirmHandler(bookingDeps));
  if (handlers.request('search')) return;
  handlers.onRequest(
    'search',
    createSearchHandler({
      sequelize: ctx.sequelize,
      driverLocations: ctx.driverLocations,
      routePlanner: ctx.routePlanner,
      subscriberId: ctx.config.beckn.subscriberIds.bpp,
      searchRadiusMeters: SEARCH_RADIUS_METERS,
      nearbyLimit: NEARBY_DRIVER_LIMIT,
      nightShiftTimeZone: NIGHT_SHIFT_TIME_ZONE,
      logger: ctx.logger,
    }),
  );
}
