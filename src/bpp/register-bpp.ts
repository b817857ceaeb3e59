import type { Sequelize } from 'sequelize';
import { BOOKING_QUOTE_TTL_SECONDS, NIGHT_SHIFT_TIME_ZONE } from './bpp-settings.js';
import type { DriverLocationStore } from '../infra/geo/index.js';
import type { Logger } from '../infra/logging/logger.js';
import type { Scheduler } from '../infra/scheduler/index.js';
import type { PaymentGateway } from '../payments/gateway/index.js';
import type { HandlerRegistry } from '../protocol/index.js';
import type { MessageSender } from '../protocol/index.js';
import type { RoutePlanner } from './domain/index.js';
import { ALLOCATION_BATCH_JOB, createAllocationBatchJob, createSelectHandler } from './allocation/index.js';
import { createCancelHandler, createConfirmHandler, createInitHandler, providerPaymentTermsOf, reallocationEnd } from './booking/index.js';
import type { PaymentTermsConfig } from '../config/index.js';
import { createUndeliveredConfirmListener } from './booking/undelivered-confirm.js';
import { createRatingHandler, createStatusHandler, createSupportHandler, createTrackHandler, createUpdateHandler } from './aftercare/index.js';
import { createSearchHandler } from './search/index.js';
import { startPayoutTracking, type PayoutTracking } from './payout/index.js';
import { DEFAULT_SUPPLY_SNAPSHOT_INTERVAL_MS, supplySnapshotJob } from './supply-snapshot.js';

/** What the provider side's handlers need from the application context. */
export interface BppRuntime {
  config: {
    beckn: { roles: readonly string[]; subscriberIds: { bpp: string } };
    /** supplySnapshotIntervalMs: how often supply is snapshotted (SUPPLY_SNAPSHOT_INTERVAL), 60 s when the configuration has none. */
    bpp: { driverMaxParallelOffers: number; supplySnapshotIntervalMs?: number };
    paymentTerms: PaymentTermsConfig;
  };
  beckn: { protocol: { handlers: HandlerRegistry; sender: MessageSender } };
  sequelize: Sequelize;
  driverLocations: DriverLocationStore;
  routePlanner: RoutePlanner;
  scheduler: Scheduler;
  logger: Logger;
  /** Pays drivers out; without it no payout status is tracked. */
  paymentGateway?: PaymentGateway;
}

/** Tuning a caller (a test) may override. */
export interface BppOptions {
  /** How long the offers of a batch stay open before the next batch is offered. */
  offerExpiryMs?: number;
  /** How many drivers one batch offers the ride to. */
  batchSize?: number;
  /** The longest allocation window (a select's shorter ttl shortens it); then the select is answered with 90203. */
  allocationWindowMs?: number;
  /** How payouts are re-checked at the gateway and when an unsettled one goes to manual review. */
  payoutTracking?: Partial<PayoutTracking>;
  /** How often supply is snapshotted (over the configuration's interval); 0 registers no snapshot job. */
  supplySnapshotIntervalMs?: number;
}

/** Drivers within this distance of the pickup count as available for a search. */
const SEARCH_RADIUS_METERS = 5_000;
const NEARBY_DRIVER_LIMIT = 200;
/** A select offers the ride to this many eligible drivers at a time. */
const ALLOCATION_BATCH_SIZE = 3;
const OFFER_EXPIRY_MS = 20_000;
const ALLOCATION_WINDOW_MS = 60_000;
const PAYOUT_TRACKING: PayoutTracking = { intervalMs: 30_000, reviewAfterMs: 24 * 60 * 60_000, maxGapMs: 60 * 60_000 };

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
        batchSize: options.batchSize ?? ALLOCATION_BATCH_SIZE,
        offerExpiryMs: options.offerExpiryMs ?? OFFER_EXPIRY_MS,
        allocationWindowMs: options.allocationWindowMs ?? ALLOCATION_WINDOW_MS,
        quoteTtlSeconds: BOOKING_QUOTE_TTL_SECONDS,
        maxOffersPerDriver: ctx.config.bpp.driverMaxParallelOffers,
        logger: ctx.logger,
      }),
    );
    const { sequelize, driverLocations, scheduler, logger } = ctx;
    const sender = ctx.beckn.protocol.sender;
    const reallocation = reallocationEnd({ sequelize, sender, quoteTtlSeconds: BOOKING_QUOTE_TTL_SECONDS, logger });
    ctx.scheduler.register(ALLOCATION_BATCH_JOB, createAllocationBatchJob({ sequelize, driverLocations, scheduler, logger, sender, reallocation }));
    // Jobs are registered once per scheduler, with the select handler: a second registerBpp on this context skips this block.
    const supplyIntervalMs = options.supplySnapshotIntervalMs ?? ctx.config.bpp.supplySnapshotIntervalMs ?? DEFAULT_SUPPLY_SNAPSHOT_INTERVAL_MS;
    if (supplyIntervalMs > 0) {
      const supply = supplySnapshotJob(scheduler, { sequelize, driverLocations, logger }, supplyIntervalMs);
      supply.register();
      supply.start().catch((error: unknown) => logger.error({ err: error }, 'could not schedule the supply snapshot'));
    }
    if (ctx.paymentGateway) startPayoutTracking(scheduler, { sequelize, gateway: ctx.paymentGateway, logger }, { ...PAYOUT_TRACKING, ...options.payoutTracking });
  }
  const paymentTerms = providerPaymentTermsOf(ctx.config);
  const bookingDeps = { sequelize: ctx.sequelize, quoteTtlSeconds: BOOKING_QUOTE_TTL_SECONDS, logger: ctx.logger, paymentTerms };
  if (!handlers.request('init')) handlers.onRequest('init', createInitHandler(bookingDeps));
  if (!handlers.request('confirm')) handlers.onRequest('confirm', createConfirmHandler(bookingDeps));
  if (!handlers.deadLetter('on_confirm')) handlers.onDeadLetter('on_confirm', createUndeliveredConfirmListener(bookingDeps));
  if (!handlers.request('cancel')) handlers.onRequest('cancel', createCancelHandler(bookingDeps));
  const aftercareDeps = { ...bookingDeps, driverLocations: ctx.driverLocations, routePlanner: ctx.routePlanner, nightShiftTimeZone: NIGHT_SHIFT_TIME_ZONE };
  if (!handlers.request('status')) handlers.onRequest('status', createStatusHandler(aftercareDeps));
  if (!handlers.request('track')) handlers.onRequest('track', createTrackHandler(aftercareDeps));
  if (!handlers.request('rating')) handlers.onRequest('rating', createRatingHandler(aftercareDeps));
  if (!handlers.request('support')) handlers.onRequest('support', createSupportHandler(aftercareDeps));
  if (!handlers.request('update')) handlers.onRequest('update', createUpdateHandler(aftercareDeps));
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
      paymentTerms,
    }),
  );
}
