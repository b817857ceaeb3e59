import type { Request } from 'express';
import { AppError, requireBearer, type RouteSpec } from '../../infra/http/index.js';
import { OPERATOR_TAG } from '../operator/operator-deps.js';
import type { DriverAuth } from './driver-auth.js';
import { type DriverAppDeps } from './driver-app-deps.js';
import { isUuid } from '../../infra/validation/index.js';
import { driverTokenSchema } from './driver-responses.js';

function driverIdParam(params: Record<string, string>): string {
  const driverId = params.driverId ?? '';
  if (!isUuid(driverId)) throw new AppError('VALIDATION_FAILED', 'driverId must be a uuid', [{ path: 'driverId', message: 'must be a uuid' }]);
  return driverId;
}

/** The operator hands a driver's phone its token and takes it back (e.g. a lost phone). */
export function driverTokenRoutes({ adminToken }: DriverAppDeps, auth: DriverAuth): RouteSpec[] {
  const requireOperator = (req: Request) => requireBearer(req, adminToken, 'admin token');
  return [
    {
      method: 'post',
      path: '/provider/drivers/:driverId/tokens',
      summary: "Issues a new driver app token; the token is in this answer only (stored as a keyed hash)",
      tag: OPERATOR_TAG,
      security: 'adminToken',
      authorize: requireOperator,
      responses: { 201: { description: 'The token, shown once', schema: driverTokenSchema }, 404: { description: 'No such driver' } },
      handler: async ({ params }, res) => {
        const driverId = driverIdParam(params);
        const issued = await auth.issue(driverId);
        if (issued === null) throw new AppError('NOT_FOUND', `driver ${driverId} not found`);
        res.setHeader('Cache-Control', 'no-store');
        res.status(201).json({ id: issued.id, driver_id: driverId, token: issued.token, created_at: issued.createdAt.toISOString() });
      },
    },
    {
      method: 'delete',
      path: '/provider/drivers/:driverId/tokens',
      summary: "Revokes every active token of the driver; the next request with any of them is refused",
      tag: OPERATOR_TAG,
      security: 'adminToken',
      authorize: requireOperator,
      responses: { 200: { description: 'How many tokens were revoked' }, 404: { description: 'No such driver' } },
      handler: async ({ params }, res) => {
        const driverId = driverIdParam(params);
        const revoked = await auth.revokeAll(driverId);
        if (revoked === null) throw new AppError('NOT_FOUND', `driver ${driverId} not found`);
        res.json({ driver_id: driverId, revoked });
      },
    },
  ];
}
