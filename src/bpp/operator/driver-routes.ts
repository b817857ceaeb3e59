import { randomUUID } from 'node:crypto';
import { AppError, type RouteSpec } from '../../infra/http/index.js';
import type { VehicleCategory, VehicleVariant } from '../models/index.js';
import { requireOperator } from './admin-auth.js';
import { OPERATOR_TAG, translateDatabaseError, type OperatorDeps } from './operator-deps.js';
import { createDriverSchema, createVehicleSchema } from './operator-schemas.js';
import { driverCreatedSchema, vehicleCreatedSchema } from './operator-responses.js';

interface CreateDriverBody {
  merchant_id: string;
  name: string;
  mobile_number: string;
}

interface CreateVehicleBody {
  driver_id: string;
  registration_no: string;
  category: VehicleCategory;
  variant: VehicleVariant;
  capacity: number;
  make?: string;
  model?: string;
}

const variantsByCategory: Readonly<Record<VehicleCategory, readonly VehicleVariant[]>> = {
  AUTO_RICKSHAW: ['AUTO_RICKSHAW'],
  CAB: ['SEDAN', 'SUV', 'HATCHBACK'],
};

/** `+919876543210` → `+91******3210`: enough to recognise a number, not to call it. */
export function maskMobileNumber(number: string): string {
  const visibleEnd = 4;
  const visibleStart = Math.min(3, Math.max(0, number.length - visibleEnd));
  const hidden = Math.max(0, number.length - visibleStart - visibleEnd);
  return number.slice(0, visibleStart) + '*'.repeat(hidden) + number.slice(number.length - visibleEnd);
}

export function driverRoutes({ models, adminToken, cipher }: OperatorDeps): RouteSpec[] {
  return [
    {
      method: 'post',
      path: '/provider/drivers',
      summary: "Onboards a driver; the mobile number is stored encrypted with a keyed hash, unique per merchant",
      tag: OPERATOR_TAG,
      security: 'adminToken',
      authorize: (req) => requireOperator(req, adminToken),
      request: { body: createDriverSchema },
      responses: { 201: { description: 'The driver, mobile number masked', schema: driverCreatedSchema } },
      handler: async ({ body, req }, res) => {
        const input = body as CreateDriverBody;
        const id = randomUUID();
        try {
          await models.Driver.create({
            id,
            merchantId: input.merchant_id,
            name: input.name,
            mobileNumberEncrypted: cipher.encrypt(input.mobile_number),
            mobileNumberHash: cipher.hash(input.mobile_number),
            mobileNumberMasked: maskMobileNumber(input.mobile_number),
          });
        } catch (error) {
          throw translateDatabaseError(error, 'this mobile number is already registered with the merchant', `merchant ${input.merchant_id} not found`);
        }
        res.status(201).json({
          id,
          merchant_id: input.merchant_id,
          name: input.name,
          mobile_number_masked: maskMobileNumber(input.mobile_number),
          status: 'OFFLINE',
        });
      },
    },
    {
      method: 'post',
      path: '/provider/vehicles',
      summary: "Registers a driver's vehicle (one per driver)",
      tag: OPERATOR_TAG,
      security: 'adminToken',
      authorize: (req) => requireOperator(req, adminToken),
      request: { body: createVehicleSchema },
      responses: { 201: { description: 'The vehicle', schema: vehicleCreatedSchema } },
      handler: async ({ body, req }, res) => {
        const input = body as CreateVehicleBody;
        if (!variantsByCategory[input.category].includes(input.variant)) {
          throw new AppError('VALIDATION_FAILED', `variant ${input.variant} is not a ${input.category}`, [
            { path: '/variant', message: `must be one of ${variantsByCategory[input.category].join(', ')}` },
          ]);
        }
        // One spelling per plate: upper case, no spaces or dashes.
        const registrationNo = input.registration_no.toUpperCase().replace(/[ -]/g, '');
        const id = randomUUID();
        try {
          await models.Vehicle.create({
            id,
            driverId: input.driver_id,
            registrationNo,
            category: input.category,
            variant: input.variant,
            capacity: input.capacity,
            make: input.make ?? null,
            model: input.model ?? null,
          });
        } catch (error) {
          throw translateDatabaseError(
            error,
            'the driver already has a vehicle, or the registration number is taken',
            `driver ${input.driver_id} not found`,
          );
        }
        res.status(201).json({
          id,
          driver_id: input.driver_id,
          registration_no: registrationNo,
          category: input.category,
          variant: input.variant,
          capacity: input.capacity,
          ...(input.make !== undefined ? { make: input.make } : {}),
          ...(input.model !== undefined ? { model: input.model } : {}),
        });
      },
    },
  ];
}
