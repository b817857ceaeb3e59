import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createSequelize, runMigrations, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/infra/postgres/index.js';

const S = 'atlas_driver_offer_bpp';

describe('provider migration on embedded PGlite', function () {
  this.timeout(180_000);
  const logger = createLogger('silent');
  let dataDir: string;
  let embedded: EmbeddedPostgres | undefined;
  let sequelize: Sequelize | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'beckn-ride-bpp-pglite-'));
    embedded = await startEmbeddedPostgres({ dataDir, logger });
    sequelize = createSequelize({ url: embedded.url, logger, poolMax: 2 });
  });

  after(async () => {
    await sequelize?.close();
    await embedded?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates the tables and the GiST polygon index, and answers a containment query', async () => {
    const db = sequelize as Sequelize;
    await runMigrations({ sequelize: db, logger });
    const tables = await db.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = '${S}' ORDER BY tablename`,
      { type: QueryTypes.SELECT },
    );
    assert.deepEqual(
      tables.map((t) => t.tablename),
      [
        'allocation',
        'booking',
        'booking_cancellation',
        'booking_fare_line',
        'business_event_outbox',
        'driver',
        'driver_token',
        'estimate',
        'estimate_fare_line',
        'fare_policy',
        'gate_info',
        'merchant',
        'merchant_operating_city',
        'payment_event_seen',
        'payment_order',
        'payment_transaction',
        'payout_order',
        'payout_order_entity',
        'refunds',
        'ride',
        'ride_drop_update',
        'ride_fare_line',
        'ride_offer',
        'ride_rating',
        'search_request',
        'special_location',
        'special_location_priority',
        'vehicle',
      ],
    );
    const [index] = await db.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = '${S}' AND indexname = 'special_location_geom_idx'`,
      { type: QueryTypes.SELECT },
    );
    assert.match(index?.indexdef ?? '', /USING gist \(geom\)/);

    await db.query(`INSERT INTO ${S}.merchant (id, name, subscriber_id) VALUES ('00000000-0000-4000-8000-000000000001', 'm', 'bpp.example')`);
    await db.query(
      `INSERT INTO ${S}.merchant_operating_city (id, merchant_id, city_code, currency)
       VALUES ('00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001', 'std:080', 'INR')`,
    );
    await db.query(
      `INSERT INTO ${S}.special_location (id, merchant_operating_city_id, location_name, category, geom)
       VALUES ('00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000002', 'U', 'SureAirport',
               polygon '((0,0),(4,0),(4,4),(3,4),(3,1),(1,1),(1,4),(0,4))')`,
    );
    const inside = (lon: number, lat: number) =>
      db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${S}.special_location
          WHERE geom @> polygon(box(point($1, $2), point($1, $2))) AND geom @> point($1, $2)`,
        { type: QueryTypes.SELECT, bind: [lon, lat] },
      );
    assert.deepEqual(await inside(0.5, 3), [{ n: 1 }]);
    assert.deepEqual(await inside(2, 3), [{ n: 0 }]);

    // A booking may have several rides (drivers who cancelled, and the one who took over), at most one not CANCELLED.
    const [live] = await db.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = '${S}' AND indexname = 'ride_live_booking_idx'`,
      { type: QueryTypes.SELECT },
    );
    assert.match(live?.indexdef ?? '', /UNIQUE INDEX .*\(booking_id\) WHERE \(status <> 'CANCELLED'::text\)/);
    const rideConstraints = await db.query<{ conname: string }>(
      `SELECT conname FROM pg_constraint WHERE conrelid = '${S}.ride'::regclass AND contype = 'u'`,
      { type: QueryTypes.SELECT },
    );
    assert.deepEqual(rideConstraints, [], 'no UNIQUE (booking_id) left');
  });
});
