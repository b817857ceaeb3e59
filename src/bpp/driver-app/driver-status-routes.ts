import { QueryTypes, type Sequelize } from 'sequelize';
import { AppError, type RouteSpec } from '../../infra/http/index.js';
import { BPP_SCHEMA, type DriverStatus } from '../models/index.js';
import type { DriverAuth } from './driver-auth.js';
import { DRIVER_APP_TAG, DRIVER_SECURITY, type DriverAppDeps } from './driver-app-deps.js';
import { driverLocationSchema, driverStatusSchema } from './driver-app-schemas.js';
import { findRideInProgress } from '../booking/index.js';
import { locationPoints, newestPoint, type PostedPoint } from './location-batch.js';
import { driverPlace, recordBppEvent } from '../business-events.js';
import { driverPositionSchema, driverStatusAnswerSchema } from './driver-responses.js';

const lockDriverSql = `
  SELECT d.status, EXISTS (SELECT 1 FROM ${BPP_SCHEMA}.vehicle v WHERE v.driver_id = d.id) AS has_vehicle
    FROM ${BPP_SCHEMA}.driver d WHERE d.id = $1 FOR UPDATE`;

const setStatusSql = `UPDATE ${BPP_SCHEMA}.driver SET status = $2, updated_at = now() WHERE id = $1`;

const statusSql = `SELECT status FROM ${BPP_SCHEMA}.driver WHERE id = $1`;

async function currentStatus(sequelize: Sequelize, driverId: string): Promise<DriverStatus> {
  const [row] = await sequelize.query<{ status: DriverStatus }>(statusSql, { type: QueryTypes.SELECT, bind: [driverId] });
  if (!row) throw new AppError('NOT_FOUND', 'the driver no longer exists');
  return row.status;
}

/**
 * Decides the new status under a row lock, so it cannot interleave with a
 * ride assignment moving the driver to ON_RIDE. Asking to go online while on
 * a ride changes nothing: the ride's end decides what comes next.
 */
async function changeStatus(sequelize: Sequelize, driverId: string, online: boolean): Promise<DriverStatus> {
  return sequelize.transaction(async (transaction) => {
    const [row] = await sequelize.query<{ status: DriverStatus; has_vehicle: boolean }>(lockDriverSql, {
      type: QueryTypes.SELECT,
      bind: [driverId],
      transaction,
    });
    if (!row) throw new AppError('NOT_FOUND', 'the driver no longer exists');
    if (row.status === 'ON_RIDE') {
      if (!online) throw new AppError('CONFLICT', 'a driver on a ride cannot go offline; end or cancel the ride first');
      return row.status;
    }
    if (online && !row.has_vehicle) throw new AppError('CONFLICT', 'a driver without a registered vehicle cannot go online');
    const status: DriverStatus = online ? 'ONLINE' : 'OFFLINE';
    if (status === row.status) return status;
    await sequelize.query(setStatusSql, { bind: [driverId, status], transaction });
    // Only a change records driver.online / driver.offline; asking for the status one has records nothing.
    const place = await driverPlace(sequelize, transaction, driverId);
    if (place) await recordBppEvent(sequelize, transaction, online ? 'driver.online' : 'driver.offline', place, driverId, { driver_id: driverId });
    return status;
  });
}

/** The driver app's presence: going online or offline and posting location fixes. */
export function driverStatusRoutes({ sequelize, driverLocations, now = Date.now }: DriverAppDeps, auth: DriverAuth): RouteSpec[] {
  return [
    {
      method: 'post',
      path: '/driver/status',
      summary: 'Goes online (needs a vehicle) or offline (not while on a ride); offline forgets the live position',
      tag: DRIVER_APP_TAG,
      security: DRIVER_SECURITY,
      authorize: (req) => auth.requireDriver(req),
      request: { body: driverStatusSchema },
      responses: { 200: { description: "The driver's status", schema: driverStatusAnswerSchema }, 409: { description: 'On a ride, or no vehicle' } },
      handler: async ({ body, req }, res) => {
        const { driverId } = auth.driverOf(req);
        const status = await changeStatus(sequelize, driverId, (body as { online: boolean }).online);
        if (status === 'OFFLINE') await driverLocations.remove(driverId);
        res.json({ driver_id: driverId, status });
      },
    },
    {
      method: 'post',
      path: '/driver/location',
      summary: 'Posts a batch of location fixes (any order, repeats allowed); the newest becomes the live position, all are waypoints of a ride in progress',
      tag: DRIVER_APP_TAG,
      security: DRIVER_SECURITY,
      authorize: (req) => auth.requireDriver(req),
      request: { body: driverLocationSchema },
      responses: { 200: { description: 'The live position after this batch', schema: driverPositionSchema }, 409: { description: 'The driver is offline' } },
      handler: async ({ body, req }, res) => {
        const { driverId } = auth.driverOf(req);
        const { points } = body as { points: PostedPoint[] };
        const newest = newestPoint(points, now());
        const status = await currentStatus(sequelize, driverId);
        if (status === 'OFFLINE') throw new AppError('CONFLICT', 'an offline driver has no live position; go online first');
        await driverLocations.update(driverId, newest);
        // During a ride every fix is a waypoint: the final fare is priced on the distance they trace.
        const rideId = status === 'ON_RIDE' ? await findRideInProgress(sequelize, driverId) : null;
        if (rideId) await driverLocations.appendWaypoints(rideId, locationPoints(points));
        // Going offline may have committed (and removed the position) between the
        // check and the update: checking again keeps an offline driver out of nearby searches.
        if ((await currentStatus(sequelize, driverId)) === 'OFFLINE') {
          await driverLocations.remove(driverId);
          throw new AppError('CONFLICT', 'the driver went offline');
        }
        const last = await driverLocations.last(driverId);
        res.json({ driver_id: driverId, last: last && { lat: last.lat, lon: last.lon, ts: new Date(last.ts).toISOString() } });
      },
    },
  ];
}
