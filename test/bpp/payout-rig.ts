import assert from 'node:assert/strict';
import express from 'express';
import { payoutRoutes, type PayoutDeps, type PayoutTracking } from '../../src/bpp/payout/index.js';
import type { LatLon } from '../../src/bpp/domain/index.js';
import { drain, errorHandler, jsonBody, listen, mountRoutes, requireJsonBody, unknownRoute, type RouteSpec } from '../../src/infra/http/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { SchemaRegistry } from '../../src/infra/validation/index.js';
import { startGatewayRig, type GatewayRig } from '../payments/gateway-fixture.js';
import { bapPayment, startBookingFlow, type BookingFlow } from './booking-flow.js';

export interface Driver {
  id: string;
  token: string;
  registration: string;
}

/**
 * The provider side with the payment simulator behind the Juspay adapter:
 * the booking flow's app (whose operator routes get the gateway the
 * composition root builds: the in-process simulator), and the payout routes
 * given this rig's gateway on a server of their own over the same database.
 */
export async function startPayoutRig(tracking: Partial<PayoutTracking>) {
  const gatewayRig: GatewayRig = await startGatewayRig();
  const flow: BookingFlow = await startBookingFlow({ bpp: { paymentGateway: gatewayRig.gateway, options: { payoutTracking: tracking } } });
  const { ctx } = flow.net.app;
  const payouts: PayoutDeps = { sequelize: ctx.sequelize, gateway: gatewayRig.gateway, logger: ctx.logger };
  const adminToken = ctx.config.secrets.adminToken;
  const withGateway = await serve(payoutRoutes({ adminToken, payouts }));
  const withoutGateway = await serve(payoutRoutes({ adminToken }));

  /** An operator call to the payout routes, those given the gateway unless `configured` is false. */
  const operator = async (method: string, path: string, { token = adminToken, configured = true }: { token?: string | null; configured?: boolean } = {}) => {
    const response = await fetch((configured ? withGateway : withoutGateway).baseUrl + path, {
      method,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  /** A ride from `pickup` that `driver` (a new sedan near the pickup when not given) takes to its end, paid as `payment` agrees (the BAP's, by default). */
  const completedRide = async (pickup: LatLon, driver?: Driver, payment: Record<string, unknown> = bapPayment): Promise<{ rideId: string; driver: Driver }> => {
    const rideDriver = driver ?? (await flow.addSedan({ lat: pickup.lat + 0.001, lon: pickup.lon + 0.001 }));
    const selection = await flow.selectSedan(pickup, rideDriver);
    const onInit = await flow.send('init', flow.net.toOurBpp({ transaction_id: selection.transactionId }), flow.draftOrder(selection, payment));
    const draft = (onInit.body.message as any).order;
    const onConfirm = await flow.send('confirm', flow.net.toOurBpp({ transaction_id: selection.transactionId }), flow.draftOrder(selection, { ...draft.payments[0] }));
    const order = (onConfirm.body.message as any).order;
    const [ride] = await flow.rows<{ id: string; otp: string }>('SELECT id, otp FROM atlas_driver_offer_bpp.ride WHERE booking_id = $1', [order.id]);
    assert.ok(ride, 'confirm created the ride');
    const move = (what: string, body?: unknown) => flow.call('POST', `/driver/rides/${ride.id}/${what}`, body, rideDriver.token);
    assert.equal((await move('arrived')).status, 200);
    assert.equal((await move('start', { otp: ride.otp })).status, 200);
    const ended = await move('end');
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    return { rideId: ride.id, driver: rideDriver };
  };

  return {
    flow,
    simulator: gatewayRig.simulator,
    gateway: gatewayRig.gateway,
    payouts,
    operator,
    completedRide,
    close: async () => {
      await Promise.all([withGateway.close(), withoutGateway.close()]);
      await flow.close();
      await gatewayRig.close();
    },
  };
}

/** Routes on a free port with the app's validation and error handling. */
async function serve(routes: RouteSpec[]) {
  const app = express();
  app.use(requireJsonBody);
  app.use(jsonBody(64 * 1024));
  mountRoutes(app, routes, { body: new SchemaRegistry(), query: new SchemaRegistry({ coerceTypes: true }) });
  app.use(unknownRoute(routes));
  app.use(errorHandler(createLogger('silent')));
  const { server, port } = await listen(app, 0, '127.0.0.1');
  return { baseUrl: `http://127.0.0.1:${port}`, close: () => drain(server, 5_000) };
}

export type PayoutRig = Awaited<ReturnType<typeof startPayoutRig>>;
