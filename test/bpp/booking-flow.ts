import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type { FarePolicy, LatLon } from '../../src/bpp/domain/index.js';
import { registerBpp, type BppOptions } from '../../src/bpp/index.js';
import type { PaymentGateway } from '../../src/payments/gateway/index.js';
import type { RawEnv } from '../../src/config/index.js';
import { createBecknValidator, type BecknAction, type BecknValidator } from '../../src/protocol/schemas/index.js';
import { parseAuthorizationHeader, verifyParsedAuthorization } from '../../src/protocol/signing/index.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import type { ReceivedMessage } from '../support/fake-participant.js';
import { waitFor } from '../support/wait-until.js';

/** Shared by the booking and ride lifecycle tests: our BPP with a merchant and a sedan fare policy, driven by a signed fake BAP. */
export const drop: LatLon = { lat: 12.97, lon: 77.59 };
export const gps = (p: LatLon) => `${p.lat}, ${p.lon}`;

export const policyBody = {
  base_distance_meters: 2000,
  base_fare: '60',
  per_km: '14',
  per_minute: '1.5',
  waiting_free_minutes: 3,
  waiting_charge_per_minute: '2',
  pickup_charge: '20',
  cancellation_fees: { RIDE_ASSIGNED: '30', RIDE_ARRIVED_PICKUP: '50' },
  currency: 'INR',
};

/** The sedan policy of the booking flow, as the fare calculator reads it (no night shift). */
export const policy: FarePolicy = {
  currency: policyBody.currency,
  baseDistanceMeters: policyBody.base_distance_meters,
  baseFare: policyBody.base_fare,
  perKmFare: policyBody.per_km,
  perMinuteFare: policyBody.per_minute,
  nightShift: null,
  waitingFreeMinutes: policyBody.waiting_free_minutes,
  waitingPerMinuteFare: policyBody.waiting_charge_per_minute,
  pickupCharge: policyBody.pickup_charge,
  cancellationFees: policyBody.cancellation_fees,
};

/** The support contact the merchant registers, which on_support answers with. */
export const merchantSupport = { phone: '+918068870525', email: 'support@booking-cabs.example', url: 'https://booking-cabs.example/help' };

export const bapPayment = {
  collected_by: 'BAP',
  type: 'ON-FULFILLMENT',
  status: 'NOT-PAID',
  tags: [{ descriptor: { code: 'SETTLEMENT_TERMS' }, display: false, list: [{ descriptor: { code: 'SETTLEMENT_WINDOW' }, value: 'PT60M' }] }],
};

export interface Selection {
  itemId: string;
  price: any;
  providerId: string;
  transactionId: string;
  selected: any;
}

/** The domains our BPP answers, with the context.version each is spoken at (PROFILE.md). */
export const flowProfiles = {
  'ONDC:TRV10': { domain: 'ONDC:TRV10', version: '2.0.1' },
  'nic2004:60221': { domain: 'nic2004:60221', version: '1.1.0' },
} as const;
export type FlowDomain = keyof typeof flowProfiles;

/**
 * `domain` picks the profile of every request the fake BAP sends (ONDC:TRV10 by default); `env` adds settings of our service;
 * `bpp` gives the provider side a payment gateway and tuning.
 */
export async function startBookingFlow(
  options: { domain?: FlowDomain; env?: RawEnv; withKafka?: boolean; bpp?: { paymentGateway?: PaymentGateway; options?: BppOptions } } = {},
) {
  const profile = flowProfiles[options.domain ?? 'ONDC:TRV10'];
  // The Beckn mobility examples write their stops in lowercase.
  const stopType = (type: 'START' | 'END') => (profile.domain === 'nic2004:60221' ? type.toLowerCase() : type);
  const contextOf = (action: string) => ({ ...profile, action, location: { city: { code: 'std:080' }, country: { code: 'IND' } } });
  const validator: BecknValidator = createBecknValidator();
  const net: BecknHarness = await startBecknHarness({ env: options.env, withKafka: options.withKafka, beforeStart: (ctx) => {
      const paymentGateway = options.bpp?.paymentGateway;
      registerBpp(paymentGateway ? { ...ctx, paymentGateway } : ctx, options.bpp?.options);
    },
  });

  const call = async (method: string, path: string, body: unknown, token: string) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(net.app.baseUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: response.status, body: (await response.json()) as any };
  };
  const operator = async (method: string, path: string, body?: unknown) => {
    const answer = await call(method, path, body, net.app.ctx.config.secrets.adminToken);
    assert.ok(answer.status === 200 || answer.status === 201, `${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };

  const merchant = await operator('POST', '/provider/merchants', {
    name: 'Booking Cabs',
    subscriber_id: net.ourBpp.id,
    support: merchantSupport,
    cities: [{ city_code: 'std:080', currency: 'INR' }],
  });
  const merchantId = merchant.id as string;
  await operator('PUT', `/provider/fare-policies/${merchant.cities[0].id}/SEDAN`, policyBody);

  const addSedan = async (at: LatLon) => {
    const driver = await operator('POST', '/provider/drivers', {
      merchant_id: merchantId,
      name: 'Ravi Kumar',
      mobile_number: `+9197${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
    });
    const registration = `KA05${randomUUID().slice(0, 6).toUpperCase()}`;
    await operator('POST', '/provider/vehicles', {
      driver_id: driver.id,
      registration_no: registration,
      category: 'CAB',
      variant: 'SEDAN',
      capacity: 4,
      make: 'Maruti Suzuki',
      model: 'Dzire',
    });
    const { token } = await operator('POST', `/provider/drivers/${driver.id}/tokens`);
    assert.equal((await call('POST', '/driver/status', { online: true }, token)).status, 200);
    assert.equal((await call('POST', '/driver/location', { points: [{ ...at, ts: Date.now() }] }, token)).status, 200);
    return { id: driver.id as string, token: token as string, registration };
  };

  /** Checks a callback of our BPP for its signature and schema. */
  const checkCallback = (callback: ReceivedMessage, action: BecknAction) => {
    assert.equal(callback.action, action);
    const header = parseAuthorizationHeader(String(callback.headers.authorization));
    assert.ok(verifyParsedAuthorization(header, callback.raw, net.app.ctx.config.secrets.signingPublicKey).ok, `${action} signed by our BPP key`);
    assert.deepEqual(validator.validate(action, callback.body), []);
  };

  /** Sends a signed request from the fake BAP and returns our BPP's callback, checked for its signature and schema. */
  const send = async (
    action: 'search' | 'select' | 'init' | 'confirm' | 'cancel' | 'status' | 'track' | 'rating' | 'support' | 'update',
    context: Record<string, unknown>,
    message: unknown,
  ): Promise<ReceivedMessage> => {
    const body: { context: Record<string, unknown>; message: unknown } = {
      context: { ...contextOf(action), ...context },
      message,
    };
    const answer = await net.bap.post(`${net.ourBpp.url}/${action}`, body);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const callback = await net.bap.waitFor((m) => m.body.context.message_id === body.context.message_id, 30_000);
    checkCallback(callback, `on_${action}` as BecknAction);
    return callback;
  };

  const rows = <T extends object>(sql: string, bind: unknown[]) => net.app.ctx.sequelize.query<T>(sql, { type: QueryTypes.SELECT, bind });

  /** Polls `probe` until it gives a value (the BPP works asynchronously after its ACK). */
  const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> =>
    waitFor(what, probe, { timeoutMs, intervalMs: 100 });

  /** The driver's open offer for the ride of `itemId`, once the select has offered it. */
  const offerFor = (driver: { token: string }, itemId: string) =>
    eventually(`an offer of ${itemId}`, async () => {
      const [allocation] = await rows<{ id: string }>('SELECT id FROM atlas_driver_offer_bpp.allocation WHERE estimate_id = $1', [itemId]);
      if (!allocation) return undefined;
      const offers = (await call('GET', '/driver/ride-offers', undefined, driver.token)).body.offers as { id: string; allocation_id: string }[];
      return offers.find((offer) => offer.allocation_id === allocation.id);
    });

  /**
   * search and select a sedan from `pickup`. With `accepting`, that driver
   * accepts the offer and the select's on_select (checked for signature and
   * schema, naming the driver) is the selection's `selected` order. Without,
   * the select is left looking for a driver (its allocation exists, the
   * offers are out) and `selected` is the on_search view of the item.
   */
  const selectSedan = async (pickup: LatLon, accepting?: { token: string }, intentPayment: Record<string, unknown> = { collected_by: 'BAP' }): Promise<Selection> => {
    const context = net.toOurBpp();
    const transactionId = context.transaction_id as string;
    const onSearch = await send('search', context, {
      intent: {
        fulfillment: { stops: [{ type: stopType('START'), location: { gps: gps(pickup) } }, { type: stopType('END'), location: { gps: gps(drop) } }] },
        payment: intentPayment,
      },
    });
    const provider = (onSearch.body.message as any).catalog.providers[0];
    const item = provider.items.find(
      (i: { fulfillment_ids: string[] }) => provider.fulfillments.find((f: { id: string }) => f.id === i.fulfillment_ids[0]).vehicle.variant === 'SEDAN',
    );
    assert.ok(item, 'on_search offers a sedan');
    const selection = { itemId: item.id as string, price: item.price, providerId: provider.id as string, transactionId };
    const selectContext = net.toOurBpp({ transaction_id: transactionId });
    const answer = await net.bap.post(`${net.ourBpp.url}/select`, {
      context: { ...contextOf('select'), ...selectContext },
      message: { order: { provider: { id: provider.id }, items: [{ id: item.id }] } },
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    if (!accepting) {
      // The select was handled once its allocation exists (offers out) or it was answered (no driver at all).
      await eventually('the select handled', async () => {
        const [allocation] = await rows<{ id: string }>('SELECT id FROM atlas_driver_offer_bpp.allocation WHERE estimate_id = $1', [selection.itemId]);
        return allocation ?? net.bap.received.find((m) => m.body.context.message_id === selectContext.message_id);
      });
      const fulfillment = provider.fulfillments.find((f: { id: string }) => f.id === item.fulfillment_ids[0]);
      return { ...selection, selected: { provider: { id: provider.id }, items: [item], fulfillments: [fulfillment] } };
    }
    const offer = await offerFor(accepting, selection.itemId);
    const accepted = await call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, accepting.token);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    const onSelect = await net.bap.waitFor((m) => m.body.context.message_id === selectContext.message_id, 30_000);
    checkCallback(onSelect, 'on_select');
    assert.equal(onSelect.body.error, undefined);
    const selected = (onSelect.body.message as any).order;
    assert.ok(selected.fulfillments[0].agent?.person?.name, 'on_select names the driver');
    return { ...selection, selected };
  };

  const draftOrder = (s: { itemId: string; providerId: string; selected: any }, payment: Record<string, unknown>) => ({
    order: {
      provider: { id: s.providerId },
      items: [{ id: s.itemId }],
      billing: { name: 'Joe Adams' },
      fulfillments: [
        {
          id: s.selected.fulfillments[0].id,
          customer: { person: { name: 'Joe Adams' }, contact: { phone: '9876556789' } },
          stops: s.selected.fulfillments[0].stops,
          vehicle: { category: 'CAB', variant: 'SEDAN' },
        },
      ],
      payments: [payment],
    },
  });

  /** A sedan driver near `pickup` accepts, and the BAP inits and confirms: the confirmed order, its ride and driver. */
  const confirmedRide = async (pickup: LatLon, payment: { intent?: Record<string, unknown>; init?: Record<string, unknown> } = {}) => {
    const driver = await addSedan({ lat: pickup.lat + 0.001, lon: pickup.lon + 0.001 });
    const selection = await selectSedan(pickup, driver, payment.intent);
    assert.equal(selection.selected.fulfillments[0].agent.person.name, 'Ravi Kumar');
    assert.deepEqual(selection.selected.fulfillments[0].vehicle, { category: 'CAB', variant: 'SEDAN', registration: driver.registration, make: 'Maruti Suzuki', model: 'Dzire' });
    const onInit = await send('init', net.toOurBpp({ transaction_id: selection.transactionId }), draftOrder(selection, payment.init ?? bapPayment));
    const draft = (onInit.body.message as any).order;
    const onConfirm = await send('confirm', net.toOurBpp({ transaction_id: selection.transactionId }), draftOrder(selection, { ...draft.payments[0] }));
    const order = (onConfirm.body.message as any).order;
    const [ride] = await rows<{ id: string; otp: string }>('SELECT id, otp FROM atlas_driver_offer_bpp.ride WHERE booking_id = $1', [order.id]);
    assert.ok(ride);
    return { driver, selection, order, ride };
  };

  /** How many `action` callbacks our BPP queued in the transaction, delivered or not: what the BAP has or will receive. */
  const queued = async (transactionId: string, action: string): Promise<number> =>
    (await rows<{ n: number }>('SELECT count(*)::int AS n FROM beckn_protocol.outbox WHERE transaction_id = $1 AND action = $2', [transactionId, action]))[0]?.n ?? 0;

  return { net, validator, domain: profile.domain, merchantId, call, operator, addSedan, checkCallback, send, selectSedan, draftOrder, rows, queued, confirmedRide, close: () => net.close() };
}

export type BookingFlow = Awaited<ReturnType<typeof startBookingFlow>>;
