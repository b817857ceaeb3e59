import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { PROVIDER_PAYMENTS_SCHEMA, RIDER_PAYMENTS_SCHEMA, shortId, type PaymentsSchema, type TransactionStatus } from '../../src/payments/index.js';

async function insertAll(sequelize: Sequelize, statements: [string, unknown[]][]): Promise<void> {
  for (const [sql, bind] of statements) await sequelize.query(sql, { bind });
}

/** A rider's booking on the rider side (paid to the rider side before the ride), with everything it hangs from; returns its id and the rider's. */
export async function riderBooking(sequelize: Sequelize, status = 'CONFIRMING'): Promise<{ bookingId: string; personId: string }> {
  const [person, search, estimate, quote, booking] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  await insertAll(sequelize, [
    [`INSERT INTO atlas_app.person (id, name, mobile_number_encrypted, mobile_number_hash) VALUES ($1, 'Asha Rao', 'sealed', $2)`, [person, randomUUID()]],
    [
      `INSERT INTO atlas_app.search_request (id, person_id, transaction_id, message_id, domain, city_code, from_lat, from_lon, to_lat, to_lon, valid_until)
       VALUES ($1, $2, $3, $4, 'ONDC:TRV10', 'std:080', 12.9, 77.6, 12.95, 77.58, now())`,
      [search, person, randomUUID(), randomUUID()],
    ],
    [
      `INSERT INTO atlas_app.estimate (id, search_request_id, bpp_id, bpp_uri, provider_id, item_id, min_fare, max_fare, currency, on_search_message_id, offer)
       VALUES ($1, $2, 'cab-co', 'http://cab-co.test', 'P1', 'I1', 100, 150, 'INR', $3, '{}')`,
      [estimate, search, randomUUID()],
    ],
    [`INSERT INTO atlas_app.quote (id, estimate_id, select_message_id, status) VALUES ($1, $2, $3, 'RECEIVED')`, [quote, estimate, randomUUID()]],
    [
      `INSERT INTO atlas_app.booking (id, person_id, quote_id, transaction_id, bpp_id, bpp_uri, provider_id, item_id, status, quoted_fare, currency, payment_terms)
       VALUES ($1, $2, $3, $4, 'cab-co', 'http://cab-co.test', 'P1', 'I1', $5, 146, 'INR',
               '{"id": "PA1", "collected_by": "BAP", "type": "PRE-ORDER", "status": "NOT-PAID"}')`,
      [booking, person, quote, randomUUID(), status],
    ],
  ]);
  return { bookingId: booking, personId: person };
}

/** An operator with one driver on the provider side. */
export async function providerDriver(sequelize: Sequelize): Promise<{ merchantId: string; driverId: string }> {
  const [merchant, driver] = [randomUUID(), randomUUID()];
  await insertAll(sequelize, [
    [`INSERT INTO atlas_driver_offer_bpp.merchant (id, name, subscriber_id) VALUES ($1, 'Cab Co', $2)`, [merchant, `bpp-${merchant}`]],
    [
      `INSERT INTO atlas_driver_offer_bpp.driver (id, merchant_id, name, mobile_number_encrypted, mobile_number_hash) VALUES ($1, $2, 'Jason Roy', 'sealed', $3)`,
      [driver, merchant, randomUUID()],
    ],
  ]);
  return { merchantId: merchant, driverId: driver };
}

/** A provider-side booking the driver was assigned (merchant, city, search, estimate, allocation). */
export async function providerBooking(sequelize: Sequelize): Promise<{ bookingId: string; merchantId: string }> {
  const { merchantId, driverId } = await providerDriver(sequelize);
  const [city, search, estimate, allocation, booking] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const S = PROVIDER_PAYMENTS_SCHEMA;
  await insertAll(sequelize, [
    [`INSERT INTO ${S}.merchant_operating_city (id, merchant_id, city_code, currency) VALUES ($1, $2, 'std:080', 'INR')`, [city, merchantId]],
    [
      `INSERT INTO ${S}.search_request (id, merchant_id, merchant_operating_city_id, bap_id, bap_uri, transaction_id, message_id, domain,
                                        from_lat, from_lon, to_lat, to_lon, distance_meters, duration_seconds)
       VALUES ($1, $2, $3, 'rider-app', 'http://rider-app.test', $4, $5, 'ONDC:TRV10', 12.9, 77.6, 12.95, 77.58, 5200, 900)`,
      [search, merchantId, city, randomUUID(), randomUUID()],
    ],
    [
      `INSERT INTO ${S}.estimate (id, search_request_id, vehicle_category, vehicle_variant, currency, value, minimum_value, maximum_value, nearest_driver_meters)
       VALUES ($1, $2, 'CAB', 'SEDAN', 'INR', 146, 140, 160, 800)`,
      [estimate, search],
    ],
    [
      `INSERT INTO ${S}.allocation (id, estimate_id, search_request_id, transaction_id, select_context, status, driver_id, currency, quoted_value, deadline)
       VALUES ($1, $2, $3, $4, '{}', 'ASSIGNED', $5, 'INR', 146, now())`,
      [allocation, estimate, search, randomUUID(), driverId],
    ],
    [
      `INSERT INTO ${S}.booking (id, allocation_id, transaction_id, bap_id, bap_uri, status, currency, quote_value, payment_collected_by, payment_terms, cancellation_terms)
       VALUES ($1, $2, $3, 'rider-app', 'http://rider-app.test', 'CONFIRMED', 'INR', 146, 'BPP', '{}', '{}')`,
      [booking, allocation, randomUUID()],
    ],
  ]);
  return { bookingId: booking, merchantId };
}

/** A payment order of a rider-side booking (or a provider-side one), in the given status. */
export async function paymentOrder(sequelize: Sequelize, schema: PaymentsSchema, status: TransactionStatus, amount = '146.50'): Promise<string> {
  const id = randomUUID();
  if (schema === RIDER_PAYMENTS_SCHEMA) {
    const { bookingId, personId } = await riderBooking(sequelize);
    await sequelize.query(
      `INSERT INTO atlas_app.payment_order (id, short_id, person_id, merchant_id, booking_id, amount, currency, status) VALUES ($1, $2, $3, 'beckn-ride', $4, $5, 'INR', $6)`,
      { bind: [id, shortId(), personId, bookingId, amount, status] },
    );
  } else {
    const { bookingId, merchantId } = await providerBooking(sequelize);
    await sequelize.query(
      `INSERT INTO ${schema}.payment_order (id, short_id, merchant_id, booking_id, amount, currency, status) VALUES ($1, $2, $3, $4, $5, 'INR', $6)`,
      { bind: [id, shortId(), merchantId, bookingId, amount, status] },
    );
  }
  return id;
}

export async function statusOf(sequelize: Sequelize, table: string, id: string): Promise<string | undefined> {
  const [row] = await sequelize.query<{ status: string }>(`SELECT status FROM ${table} WHERE id = $1`, { type: QueryTypes.SELECT, bind: [id] });
  return row?.status;
}

/**
 * Makes a rider's booking (riderBooking) CONFIRMED with the given BPP, its
 * order id there and a ride RIDE_ASSIGNED, as on_confirm leaves it: a
 * booking that BPP's on_cancel can cancel. Returns the Beckn transaction
 * id and the BPP's order id.
 */
export async function confirmRiderBooking(
  sequelize: Sequelize,
  bookingId: string,
  bpp: { id: string; uri: string },
): Promise<{ transactionId: string; bppOrderId: string }> {
  const bppOrderId = `order-${randomUUID()}`;
  const [row] = await sequelize.query<{ transaction_id: string }>(
    `UPDATE atlas_app.booking SET status = 'CONFIRMED', bpp_id = $2, bpp_uri = $3, bpp_order_id = $4, fulfillment_id = 'F1', updated_at = now()
      WHERE id = $1 RETURNING transaction_id`,
    { type: QueryTypes.SELECT, bind: [bookingId, bpp.id, bpp.uri, bppOrderId] },
  );
  if (!row) throw new Error(`no rider booking ${bookingId}`);
  await sequelize.query(`INSERT INTO atlas_app.ride (id, booking_id, bpp_ride_id, state) VALUES ($1, $2, $3, 'RIDE_ASSIGNED')`, {
    bind: [randomUUID(), bookingId, `ride-${randomUUID()}`],
  });
  return { transactionId: row.transaction_id, bppOrderId };
}
