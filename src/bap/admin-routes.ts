import { randomUUID } from 'node:crypto';
import { UniqueConstraintError } from 'sequelize';
import { AppError, requireBearer, type RouteSpec } from '../infra/http/index.js';
import { BAP_SCHEMA, RIDER_ADMIN_TAG, type BapDeps } from './bap-deps.js';
import type { RiderAuth } from './rider-auth.js';
import { riderCreatedSchema } from './rider-responses.js';

export const riderBodySchema = {
  $id: 'beckn-ride/rider-create',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'mobile_number'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    mobile_number: { type: 'string', pattern: '^\\+[1-9][0-9]{6,14}$' },
  },
} as const;

/** Keeps the last four digits: "+919876543210" → "+91******3210". */
function mask(number: string): string {
  return number.slice(0, 3) + '*'.repeat(Math.max(0, number.length - 7)) + number.slice(-4);
}

/** The operator registers riders; each gets a bearer token for the rider app, shown once. */
export function riderAdminRoutes(deps: BapDeps, auth: RiderAuth): RouteSpec[] {
  const { sequelize, cipher } = deps;
  return [
    {
      method: 'post',
      path: '/admin/riders',
      summary: 'Registers a rider (mobile number stored encrypted with a keyed hash) and returns their bearer token once',
      tag: RIDER_ADMIN_TAG,
      security: 'adminToken',
      authorize: (req) => requireBearer(req, deps.adminToken, 'admin token'),
      request: { body: riderBodySchema },
      responses: { 201: { description: 'The rider and its bearer token', schema: riderCreatedSchema }, 409: { description: 'The mobile number is already registered' } },
      handler: async ({ body }, res) => {
        const input = body as { name: string; mobile_number: string };
        const id = randomUUID();
        try {
          const token = await sequelize.transaction(async (transaction) => {
            await sequelize.query(
              `INSERT INTO ${BAP_SCHEMA}.person (id, name, mobile_number_encrypted, mobile_number_hash) VALUES ($1, $2, $3, $4)`,
              { bind: [id, input.name, cipher.encrypt(input.mobile_number), cipher.hash(input.mobile_number)], transaction },
            );
            return auth.issue(id, transaction);
          });
          res.status(201).json({ id, name: input.name, mobile_number_masked: mask(input.mobile_number), token });
        } catch (error) {
          if (error instanceof UniqueConstraintError) throw new AppError('CONFLICT', 'this mobile number is already registered');
          throw error;
        }
      },
    },
  ];
}
