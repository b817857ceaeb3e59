/**
 * One whole ride of `bench:ride`, timed step by step: each step from the
 * rider's (or driver's) call to its outcome being visible where the other
 * side looks for it, through the rider API's event streams where there is
 * one, else by polling every `pollMs`.
 */
import pg from 'pg';
import { sleep } from './bench-support.js';
import { call, type Lane, type RideNetwork } from './ride-network.js';
import { timedEvents, type TimedEvent } from './timed-events.js';

/** The measured steps, in ride order; together they are the protocol part of a ride. */
export const rideSteps = [
  'search -> estimate',
  'select -> offer to driver',
  'accept -> quote at rider',
  'book -> CONFIRMED (init + confirm)',
  'arrived -> rider sees',
  'start (OTP) -> rider sees',
  'end -> COMPLETED at rider',
  'rating -> at BPP',
] as const;
/** The booking step split at on_init, where the rider's stream showed CONFIRMING (not part of the sum). */
export const bookingSplit = ['  of which book -> on_init (CONFIRMING)', '  of which on_init -> on_confirm (CONFIRMED)'] as const;
export type RideStep = (typeof rideSteps)[number] | (typeof bookingSplit)[number];

export interface RideTiming {
  /** Milliseconds per step; a split the stream did not show (two changes in one read) is absent. */
  steps: Partial<Record<RideStep, number>>;
  /** From the search call to the rating stored at the BPP, every wait of the bench included. */
  wallMs: number;
}

export interface RideFlowOptions {
  pollMs: number;
  stepTimeoutMs: number;
}

async function pollUntil<T>(what: string, options: RideFlowOptions, probe: () => Promise<T | null | undefined>): Promise<{ value: T; at: number }> {
  const deadline = performance.now() + options.stepTimeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return { value, at: performance.now() };
    if (performance.now() > deadline) throw new Error(`timed out after ${options.stepTimeoutMs} ms waiting for ${what}`);
    await sleep(options.pollMs);
  }
}

export async function rideOnce(net: RideNetwork, lane: Lane, bppDb: pg.Pool, options: RideFlowOptions): Promise<RideTiming> {
  const { bap, bpp } = net;
  const rider = (method: string, path: string, body?: unknown) => call(bap.baseUrl, method, path, lane.riderToken, body);
  const driver = (method: string, path: string, body?: unknown) => call(bpp.baseUrl, method, path, lane.driverToken, body);
  const steps: RideTiming['steps'] = {};
  // The driver's fix goes stale after a minute; refreshed before each ride, outside the timing.
  await driver('POST', '/driver/location', { points: [{ lat: lane.pickup.lat + 0.0004, lon: lane.pickup.lon + 0.0003, ts: Date.now() }] });

  const started = performance.now();
  const search = await rider('POST', '/rider/searches', { pickup: lane.pickup, drop: lane.drop });
  const estimates = timedEvents(`${bap.baseUrl}/rider/searches/${search.searchId}/events`, lane.riderToken);
  let estimate: TimedEvent;
  try {
    estimate = await estimates.next((e) => e.event === 'estimate' && e.data.vehicle?.variant === 'SEDAN', options.stepTimeoutMs);
  } finally {
    estimates.close();
  }
  steps['search -> estimate'] = estimate.at - started;

  let mark = performance.now();
  const { quoteId } = await rider('POST', `/rider/estimates/${estimate.data.id}/select`, {});
  const offer = await pollUntil('the ride offer', options, async () => (await driver('GET', '/driver/ride-offers')).offers[0]);
  steps['select -> offer to driver'] = offer.at - mark;

  mark = performance.now();
  await driver('POST', `/driver/ride-offers/${offer.value.id}/accept`);
  const quote = await pollUntil('the quote', options, async () => {
    const found = (await rider('GET', `/rider/searches/${search.searchId}/quotes`)).quotes.find((q: any) => q.id === quoteId);
    if (found?.status === 'FAILED') throw new Error(`the quote failed: ${JSON.stringify(found)}`);
    return found?.status === 'RECEIVED' ? found : null;
  });
  steps['accept -> quote at rider'] = quote.at - mark;

  mark = performance.now();
  const { bookingId } = await rider('POST', `/rider/quotes/${quoteId}/book`, { paymentType: 'ON-FULFILLMENT' });
  const booking = timedEvents(`${bap.baseUrl}/rider/bookings/${bookingId}/events`, lane.riderToken);
  let rideId: string;
  try {
    const seen = (predicate: (view: any) => boolean) =>
      booking.next((e) => {
        if (e.event === 'booking' && e.data.status === 'FAILED') throw new Error(`the booking failed: ${JSON.stringify(e.data)}`);
        return e.event === 'booking' && predicate(e.data);
      }, options.stepTimeoutMs);
    const confirmed = await seen((v) => v.status === 'CONFIRMED');
    const confirming = await seen((v) => v.status === 'CONFIRMING').catch(() => null);
    // The stream re-reads the booking on each change: on_init and on_confirm applied before one read show CONFIRMED only.
    steps['book -> CONFIRMED (init + confirm)'] = confirmed.at - mark;
    if (confirming && confirming.at < confirmed.at) {
      steps['  of which book -> on_init (CONFIRMING)'] = confirming.at - mark;
      steps['  of which on_init -> on_confirm (CONFIRMED)'] = confirmed.at - confirming.at;
    }
    const otp = confirmed.data.ride?.otp as string;
    const ride = await pollUntil('the ride in the driver app', options, async () => (await driver('GET', '/driver/rides')).rides.find((r: any) => r.status === 'NEW'));
    rideId = ride.value.id as string;

    const move = async (what: string, body: unknown, state: (v: any) => boolean, step: RideStep) => {
      const from = performance.now();
      await driver('POST', `/driver/rides/${rideId}/${what}`, body);
      steps[step] = (await seen(state)).at - from;
    };
    await move('arrived', undefined, (v) => v.ride?.state === 'RIDE_ARRIVED_PICKUP', 'arrived -> rider sees');
    await move('start', { otp }, (v) => v.ride?.state === 'RIDE_STARTED', 'start (OTP) -> rider sees');
    await move('end', undefined, (v) => v.status === 'COMPLETED', 'end -> COMPLETED at rider');
  } finally {
    booking.close();
  }

  mark = performance.now();
  await rider('POST', `/rider/bookings/${bookingId}/rating`, { value: 5, comment: 'bench' });
  const rated = await pollUntil('the rating at the BPP', options, async () => {
    const { rows } = await bppDb.query('SELECT value FROM atlas_driver_offer_bpp.ride_rating WHERE ride_id = $1', [rideId]);
    return rows[0];
  });
  steps['rating -> at BPP'] = rated.at - mark;
  return { steps, wallMs: rated.at - started };
}
