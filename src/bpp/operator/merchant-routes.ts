import { randomUUID } from 'node:crypto';
import { AppError, type RouteSpec } from '../../infra/http/index.js';
import { isUuid } from '../../infra/validation/index.js';
import { QueryTypes } from 'sequelize';
import { BPP_SCHEMA } from '../models/index.js';
import { requireOperator } from './admin-auth.js';
import { OPERATOR_TAG, translateDatabaseError, type OperatorDeps } from './operator-deps.js';
import { createMerchantSchema } from './operator-schemas.js';
import { merchantCreatedSchema } from './operator-responses.js';

interface CreateMerchantBody {
  name: string;
  subscriber_id: string;
  support?: { phone?: string; email?: string; url?: string };
  cities: { city_code: string; currency: string }[];
}

/** The support contact alone: what on_support answers with; a field left out is cleared. */
const supportContactSchema = { ...createMerchantSchema.properties.support, $id: 'beckn-ride/bpp/operator-support-contact' } as const;

export function merchantRoutes({ models, sequelize, adminToken }: OperatorDeps): RouteSpec[] {
  return [
    {
      method: 'put',
      path: '/provider/merchants/:id/support',
      summary: "Sets the merchant's support contact (phone, email, URL) that on_support answers riders with; a field left out is cleared",
      tag: OPERATOR_TAG,
      security: 'adminToken',
      authorize: (req) => requireOperator(req, adminToken),
      request: { body: supportContactSchema },
      responses: { 200: { description: 'The merchant id and its support contact' }, 404: { description: 'No such merchant' } },
      handler: async ({ params, body }, res) => {
        const merchantId = params.id ?? '';
        if (!isUuid(merchantId)) throw new AppError('VALIDATION_FAILED', 'id must be a uuid', [{ path: 'id', message: 'must be a uuid' }]);
        const support = body as { phone?: string; email?: string; url?: string };
        const updated = await sequelize.query<{ id: string }>(
          `UPDATE ${BPP_SCHEMA}.merchant SET support_phone = $2, support_email = $3, support_url = $4, updated_at = now() WHERE id = $1 RETURNING id`,
          { type: QueryTypes.SELECT, bind: [merchantId, support.phone ?? null, support.email ?? null, support.url ?? null] },
        );
        if (updated.length === 0) throw new AppError('NOT_FOUND', `merchant ${merchantId} not found`);
        res.json({ id: merchantId, support });
      },
    },
    {
      method: 'post',
      path: '/provider/merchants',
      summary: 'Registers an operator (merchant) under its Beckn BPP subscriber id, with its operating cities',
      tag: OPERATOR_TAG,
      security: 'adminToken',
      authorize: (req) => requireOperator(req, adminToken),
      request: { body: createMerchantSchema },
      responses: { 201: { description: 'The merchant and city ids', schema: merchantCreatedSchema } },
      handler: async ({ body, req }, res) => {
        const input = body as CreateMerchantBody;
        const merchantId = randomUUID();
        const cities = input.cities.map((city) => ({ id: randomUUID(), city_code: city.city_code, currency: city.currency }));
        try {
          await sequelize.transaction(async (transaction) => {
            await models.Merchant.create({ id: merchantId, name: input.name, subscriberId: input.subscriber_id }, { transaction });
            await models.MerchantOperatingCity.bulkCreate(
              cities.map((city) => ({ id: city.id, merchantId, cityCode: city.city_code, currency: city.currency })),
              { transaction },
            );
            if (input.support) {
              await sequelize.query(`UPDATE ${BPP_SCHEMA}.merchant SET support_phone = $2, support_email = $3, support_url = $4 WHERE id = $1`, {
                bind: [merchantId, input.support.phone ?? null, input.support.email ?? null, input.support.url ?? null],
                transaction,
              });
            }
          });
        } catch (error) {
          throw translateDatabaseError(
            error,
            `subscriber id ${input.subscriber_id} already belongs to a merchant, or a city code is listed twice`,
            'merchant not found',
          );
        }
        res.status(201).json({ id: merchantId, name: input.name, subscriber_id: input.subscriber_id, ...(input.support ? { support: input.support } : {}), cities });
      },
    },
  ];
}
