import { DEMO_CITY, DEMO_ROUTE } from './demo-network.js';

/**
 * A whole ride as the rider and driver apps would do it, through the REST
 * APIs only: search, estimates, select, the driver accepting, booking, arrival,
 * payment before the ride (through the payment gateway, the simulator in the
 * embedded profile), OTP start, location updates, end, fare, rating and the
 * driver's payout. After each step it shows
 * the Beckn messages the step exchanged (from the audit API), and at the end
 * the transaction's whole timeline.
 */
export interface DemoOptions {
  baseUrl: string;
  adminToken: string;
  auditorToken: string;
  write: (line: string) => void;
  /** How long to wait for each asynchronous step. */
  stepTimeoutMs?: number;
}

export interface DemoResult {
  transactionId: string;
  bookingId: string;
  finalFare: string | null;
  messages: number;
  /** The rider's payment order status at the end (CHARGED once paid). */
  paymentStatus: string;
  /** The driver's payout of this ride: its status and amount, as the operator's payout run made it. */
  payout: { id: string; status: string; amount: string; currency: string } | null;
  /** The operator dashboard's address (sign in with the admin token). */
  dashboardUrl: string;
  /** Whether the analytics counted this ride before the demo ended (they follow the events by a few seconds, or by the sink with Kafka and ClickHouse). */
  analyticsCaughtUp: boolean;
}

class DemoError extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { baseUrl, write } = options;
  const stepTimeoutMs = options.stepTimeoutMs ?? 60_000;

  const call = async (method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    if (response.status >= 300) throw new DemoError(`${method} ${path} answered ${response.status}: ${text}`);
    return parsed;
  };

  /** Polls until `check` returns a value, or fails naming what it waited for. */
  const until = async <T>(what: string, check: () => Promise<T | null | undefined | false>): Promise<T> => {
    const deadline = Date.now() + stepTimeoutMs;
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() > deadline) throw new DemoError(`timed out waiting for ${what}`);
      await sleep(250);
    }
  };

  let transactionId: string | null = null;
  const shown = new Set<string>();
  const auditRecords = async (): Promise<any[]> => {
    if (!transactionId) return [];
    const answer = await call('GET', `/audit/transactions/${transactionId}`, options.auditorToken).catch(() => ({ records: [] }));
    return (answer.records ?? []) as any[];
  };
  const describe = (r: any) => {
    const arrow = r.direction === 'inbound' ? '→' : '←';
    const outcome = r.ack ? `${r.ack}${r.error_code ? ` ${r.error_code}` : ''}` : `HTTP ${r.http_status ?? '-'}`;
    return `      ${arrow} ${r.role.toUpperCase().padEnd(7)} ${String(r.action).padEnd(11)} ${r.direction.padEnd(8)} ${outcome}  (msg ${String(r.message_id ?? '-').slice(0, 8)})`;
  };
  /** Prints the Beckn messages of the transaction not shown yet; waits briefly for the audit log to catch up. */
  const showMessages = async (expectAtLeast = 1) => {
    const deadline = Date.now() + 5_000;
    let fresh: any[] = [];
    for (;;) {
      fresh = (await auditRecords()).filter((r) => !shown.has(r.id));
      if (fresh.length >= expectAtLeast || Date.now() > deadline) break;
      await sleep(200);
    }
    for (const record of fresh) {
      shown.add(record.id);
      write(describe(record));
    }
  };
  let stepNumber = 0;
  const step = (title: string) => write(`\n${String(++stepNumber).padStart(2)}. ${title}`);

  step('Checking the service');
  const ready = await fetch(`${baseUrl}/health/ready`);
  if (ready.status !== 200) throw new DemoError(`${baseUrl}/health/ready answered ${ready.status}: ${await ready.text()}`);
  const { merchants } = await call('GET', '/provider/merchants', options.adminToken);
  const merchant = (merchants as any[]).find((m) => (m.cities as any[]).some((c) => c.city_code === DEMO_CITY.code));
  if (!merchant) throw new DemoError(`no merchant serves ${DEMO_CITY.code}: start the service with DEMO_NETWORK=true (the embedded profile's default)`);
  write(`    ${baseUrl} is ready; operator "${merchant.name}" serves ${DEMO_CITY.code}`);

  step('The operator onboards a sedan driver, who goes online at the pickup');
  const stamp = String(Date.now()).slice(-7);
  const driver = await call('POST', '/provider/drivers', options.adminToken, { merchant_id: merchant.id, name: 'Ravi Kumar', mobile_number: `+91981${stamp}` });
  const registration = `KA03DM${stamp.slice(-4)}`;
  await call('POST', '/provider/vehicles', options.adminToken, { driver_id: driver.id, registration_no: registration, category: 'CAB', variant: 'SEDAN', capacity: 4 });
  const { token: driverToken } = await call('POST', `/provider/drivers/${driver.id}/tokens`, options.adminToken);
  await call('POST', '/driver/status', driverToken, { online: true });
  const { pickup, drop } = DEMO_ROUTE;
  await call('POST', '/driver/location', driverToken, { points: [{ lat: pickup.lat + 0.0004, lon: pickup.lon + 0.0003, ts: Date.now() }] });
  write(`    driver ${driver.name} (${registration}) online next to the pickup`);

  step('A rider signs up');
  const rider = await call('POST', '/admin/riders', options.adminToken, { name: 'Asha Rao', mobile_number: `+91982${stamp}` });
  write(`    rider ${rider.name} (${rider.mobile_number_masked})`);

  step(`The rider searches from (${pickup.lat}, ${pickup.lon}) to (${drop.lat}, ${drop.lon})`);
  const search = await call('POST', '/rider/searches', rider.token, { pickup, drop }, { 'idempotency-key': `demo-search-${stamp}` });
  transactionId = search.searchId ? (search.transactionId as string) : null;
  write(`    search ${search.searchId}, Beckn transaction ${transactionId}`);
  const sedan = await until('a sedan estimate', async () => {
    const view = await call('GET', `/rider/searches/${search.searchId}`, rider.token);
    return (view.estimates as any[]).find((e) => e.vehicle?.variant === 'SEDAN');
  });
  await sleep(500);
  const estimates = (await call('GET', `/rider/searches/${search.searchId}`, rider.token)).estimates as any[];
  for (const e of estimates) write(`    estimate ${e.vehicle.variant.padEnd(13)} ${e.fare.min}–${e.fare.max} ${e.fare.currency}  from ${e.providerName ?? e.providerId}`);
  await showMessages(2);

  step('The rider selects the sedan; the ride is offered to the nearest drivers');
  const { quoteId } = await call('POST', `/rider/estimates/${sedan.id}/select`, rider.token, {}, { 'idempotency-key': `demo-select-${stamp}` });
  const offer = await until('a ride offer to the driver', async () => {
    const { offers } = await call('GET', '/driver/ride-offers', driverToken);
    return (offers as any[])[0];
  });
  write(`    offer ${offer.id} reaches ${driver.name}`);
  await showMessages();

  step('The driver accepts; the quote with the driver reaches the rider');
  await call('POST', `/driver/ride-offers/${offer.id}/accept`, driverToken);
  const quote = await until('the quote', async () => {
    const { quotes } = await call('GET', `/rider/searches/${search.searchId}/quotes`, rider.token);
    const found = (quotes as any[]).find((q) => q.id === quoteId);
    if (found?.status === 'FAILED') throw new DemoError(`the quote failed: ${JSON.stringify(found)}`);
    return found?.status === 'RECEIVED' ? found : null;
  });
  write(`    quote ${quote.price?.value} ${quote.price?.currency} with ${quote.driver?.name ?? quote.driverName ?? 'the driver'}`);
  await showMessages();

  step('The rider books, paying before the ride (init; the booking awaits its payment)');
  const { bookingId } = await call('POST', `/rider/quotes/${quoteId}/book`, rider.token, { paymentType: 'PRE-ORDER' }, { 'idempotency-key': `demo-book-${stamp}` });
  const awaiting = await until('the booking to await its payment', async () => {
    const view = await call('GET', `/rider/bookings/${bookingId}`, rider.token);
    if (view.status === 'FAILED') throw new DemoError(`the booking failed: ${JSON.stringify(view)}`);
    return view.status === 'AWAITING_PAYMENT' ? view : null;
  });
  write(`    booking ${bookingId} ${awaiting.status}, fare ${awaiting.fare?.confirmed ?? awaiting.fare?.quoted} ${awaiting.currency}`);
  await showMessages(2);

  step('The rider pays on the payment page; the charge sends the confirm');
  const order = await call('POST', `/rider/bookings/${bookingId}/payment`, rider.token);
  write(`    payment order ${order.shortId}: ${order.amount.value} ${order.amount.currency}, ${order.status}`);
  const page = await fetch(order.paymentLinks.web);
  if (page.status !== 200) throw new DemoError(`the payment page answered ${page.status}: ${await page.text()}`);
  const charged = await until('the payment to be charged', async () => {
    const view = await call('GET', `/rider/bookings/${bookingId}/payment`, rider.token);
    return view.status === 'CHARGED' ? view : null;
  });
  write(`    payment ${charged.status}`);
  const booking = await until('the confirmed booking', async () => {
    const view = await call('GET', `/rider/bookings/${bookingId}`, rider.token);
    if (view.status === 'FAILED') throw new DemoError(`the booking failed: ${JSON.stringify(view)}`);
    return view.status === 'CONFIRMED' ? view : null;
  });
  write(`    booking ${bookingId} CONFIRMED (payment ${booking.paymentTerms?.status}): driver ${booking.ride?.driver?.name}, vehicle ${booking.ride?.vehicle?.number}, OTP ${booking.ride?.otp}`);
  await showMessages(4);

  const driverRide = await until('the ride in the driver app', async () => {
    const { rides } = await call('GET', '/driver/rides', driverToken);
    return ((rides as any[]).find((r) => r.status === 'NEW')?.id as string | undefined) ?? null;
  });

  const rideState = (state: string) =>
    until(`the rider to see ${state}`, async () => {
      const view = await call('GET', `/rider/bookings/${bookingId}`, rider.token);
      return view.ride?.state === state ? view : null;
    });

  step('The driver arrives at the pickup');
  await call('POST', `/driver/rides/${driverRide}/arrived`, driverToken);
  await rideState('RIDE_ARRIVED_PICKUP');
  write('    rider sees RIDE_ARRIVED_PICKUP');
  await showMessages();

  step('The rider tells the OTP; the driver starts the ride');
  await call('POST', `/driver/rides/${driverRide}/start`, driverToken, { otp: booking.ride.otp });
  await rideState('RIDE_STARTED');
  write('    rider sees RIDE_STARTED');
  await showMessages();

  step('The driver app reports its location along the way');
  // A fix every few seconds as the car moves towards the drop (timestamps kept realistic: the
  // distance is measured on them, and a fix implying an impossible speed is dropped as a GPS jump).
  const points = 20;
  const legMs = 2_500;
  for (let i = 1; i <= points; i += 1) {
    await call('POST', '/driver/location', driverToken, {
      points: [{ lat: pickup.lat + ((drop.lat - pickup.lat) * i) / points, lon: pickup.lon + ((drop.lon - pickup.lon) * i) / points, ts: Date.now() }],
    });
    await sleep(legMs);
  }
  write(`    ${points} waypoints posted`);

  step('The driver ends the ride; the final fare reaches the rider');
  await call('POST', `/driver/rides/${driverRide}/end`, driverToken);
  const ended = await until('the completed booking', async () => {
    const view = await call('GET', `/rider/bookings/${bookingId}`, rider.token);
    return view.status === 'COMPLETED' ? view : null;
  });
  const finalFare: string | null = ended.fare?.final ?? ended.ride?.finalFare ?? null;
  write(`    COMPLETED, final fare ${finalFare} ${ended.currency ?? ''}`);
  for (const line of (ended.ride?.finalFareBreakup ?? []) as any[]) write(`      ${String(line.title ?? line.code).padEnd(22)} ${line.amount ?? line.price?.value ?? ''}`);
  await showMessages();

  step('The rider rates the ride');
  await call('POST', `/rider/bookings/${bookingId}/rating`, rider.token, { value: 5, comment: 'Smooth ride' }, { 'idempotency-key': `demo-rating-${stamp}` });
  write('    rated 5');
  await showMessages(4);

  step("The operator runs the drivers' payouts; the driver's earnings show the ride paid");
  const paymentStatus = (await call('GET', `/rider/bookings/${bookingId}/payment`, rider.token)).status as string;
  const run = await call('POST', '/provider/payouts/run', options.adminToken);
  const made = ((run.created ?? []) as any[]).find((p) => p.driver_id === driver.id);
  let payout: DemoResult['payout'] = null;
  if (made) {
    // The payout status check settles it within its interval; the demo looks for a few seconds and shows where it stands.
    let settled = made;
    const lookUntil = Date.now() + 10_000;
    for (;;) {
      const { payouts } = await call('GET', `/provider/payouts?driverId=${driver.id}`, options.adminToken);
      settled = (payouts as any[]).find((p) => p.id === made.id) ?? made;
      if ((settled.status !== 'INITIATED' && settled.status !== 'PENDING') || Date.now() > lookUntil) break;
      await sleep(500);
    }
    payout = { id: settled.id, status: settled.status, amount: String(settled.amount?.value ?? settled.amount), currency: String(settled.amount?.currency ?? settled.currency) };
    write(`    payout ${payout.id} to ${driver.name}: ${payout.amount} ${payout.currency}, ${payout.status}`);
  } else {
    write(`    no payout made for ${driver.name}`);
  }
  const earnings = await call('GET', '/driver/earnings', driverToken);
  for (const total of (earnings.totals ?? []) as any[]) write(`    earnings: ${total.earned} ${total.currency} earned, ${total.paid} paid, ${total.in_payout} in payout, ${total.unpaid} unpaid`);

  write(`\nAudit timeline of transaction ${transactionId}:`);
  const timeline = await auditRecords();
  for (const record of timeline) write(`  ${String(record.started_at).slice(11, 23)} ${describe(record).trimStart()}`);

  step("The operator's analytics of the city (business events relayed from the outboxes)");
  const summaryPath = `/provider/analytics/summary?city=${encodeURIComponent(DEMO_CITY.code)}`;
  // The business events reach the analytics after the relay (and, with Kafka, the sink): wait for this ride to be counted.
  const summary: any = await until('the analytics to count the ride', async () => {
    const answer = await call('GET', summaryPath, options.adminToken);
    return answer.totals?.completed_rides >= 1 ? answer : null;
  }).catch(async (error: unknown) => {
    if (!(error instanceof DemoError)) throw error;
    write('    the ride is not in the analytics yet (with Kafka and ClickHouse, is `npm run audit-sink` running?)');
    return null;
  });
  if (summary) {
    const t = summary.totals;
    write(`    last 24 h in ${DEMO_CITY.code}: ${t.searches} searches, ${t.bookings} bookings, ${t.completed_rides} completed, fare total ${t.fare_total.value} ${t.fare_total.currency ?? ''}`);
    write(`    idle drivers on average ${summary.supply?.avg_idle_drivers ?? '–'}, median time to assign ${summary.median_time_to_assign_ms ?? '–'} ms`);
  }
  return {
    transactionId: transactionId as string,
    bookingId,
    finalFare,
    messages: timeline.length,
    paymentStatus,
    payout,
    dashboardUrl: `${baseUrl}/dashboard`,
    analyticsCaughtUp: summary !== null,
  };
}

export { DemoError };
