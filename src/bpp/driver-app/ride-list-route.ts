import { QueryTypes } from 'sequelize';
import type { RouteSpec } from '../../infra/http/index.js';
import { BPP_SCHEMA } from '../models/index.js';
import type { DriverAuth } from './driver-auth.js';
import { DRIVER_APP_TAG, DRIVER_SECURITY, type DriverAppDeps } from './driver-app-deps.js';
import { trimDecimal } from '../../infra/postgres/index.js';
import { driverRidesSchema } from './driver-responses.js';

/** The OTP stays out: the rider tells it to the driver at the pickup. */
const ridesSql = `
  SELECT r.id, r.status, r.booking_id, r.created_at, r.arrived_at, r.started_at, r.ended_at,
         r.traveled_distance_meters, r.final_fare::text AS final_fare, b.currency,
         s.from_lat, s.from_lon, s.to_lat, s.to_lon
    FROM ${BPP_SCHEMA}.ride r
    JOIN ${BPP_SCHEMA}.booking b ON b.id = r.booking_id
    JOIN ${BPP_SCHEMA}.allocation a ON a.id = b.allocation_id
    JOIN ${BPP_SCHEMA}.estimate e ON e.id = a.estimate_id
    JOIN ${BPP_SCHEMA}.search_request s ON s.id = e.search_request_id
   WHERE r.driver_id = $1
   ORDER BY (r.status IN ('NEW', 'ARRIVED', 'INPROGRESS')) DESC, r.created_at DESC
   LIMIT 20`;

interface RideRow {
  id: string;
  status: string;
  booking_id: string;
  created_at: Date;
  arrived_at: Date | null;
  started_at: Date | null;
  ended_at: Date | null;
  traveled_distance_meters: number | null;
  final_fare: string | null;
  currency: string;
  from_lat: number;
  from_lon: number;
  to_lat: number;
  to_lon: number;
}

const iso = (value: Date | null) => (value === null ? null : new Date(value).toISOString());

/** The driver's rides, the one in progress first: how the driver app learns the ride it was assigned at confirm. */
export function rideListRoutes({ sequelize }: DriverAppDeps, auth: DriverAuth): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/driver/rides',
      summary: "The driver's current ride first, then the latest ones (at most 20), with pickup, drop and fare",
      tag: DRIVER_APP_TAG,
      security: DRIVER_SECURITY,
      authorize: (req) => auth.requireDriver(req),
      responses: { 200: { description: "The driver's rides: those under way first, then newest first", schema: driverRidesSchema } },
      handler: async ({ req }, res) => {
        const { driverId } = auth.driverOf(req);
        const rows = await sequelize.query<RideRow>(ridesSql, { type: QueryTypes.SELECT, bind: [driverId] });
        res.json({
          rides: rows.map((r) => ({
            id: r.id,
            status: r.status,
            booking_id: r.booking_id,
            pickup: { lat: r.from_lat, lon: r.from_lon },
            drop: { lat: r.to_lat, lon: r.to_lon },
            created_at: iso(r.created_at),
            arrived_at: iso(r.arrived_at),
            started_at: iso(r.started_at),
            ended_at: iso(r.ended_at),
            traveled_distance_meters: r.traveled_distance_meters,
            final_fare: r.final_fare === null ? null : { value: trimDecimal(r.final_fare), currency: r.currency },
          })),
        });
      },
    },
  ];
}
