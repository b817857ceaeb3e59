import { QueryTypes } from 'sequelize';
import type { RouteSpec } from '../../infra/http/index.js';
import { BPP_SCHEMA } from '../models/index.js';
import { requireOperator } from './admin-auth.js';
import { OPERATOR_TAG, type OperatorDeps } from './operator-deps.js';

const listSql = `
  SELECT m.id, m.name, m.subscriber_id,
         COALESCE(json_agg(json_build_object('id', c.id, 'city_code', c.city_code, 'currency', c.currency) ORDER BY c.city_code)
                  FILTER (WHERE c.id IS NOT NULL), '[]') AS cities
    FROM ${BPP_SCHEMA}.merchant m
    LEFT JOIN ${BPP_SCHEMA}.merchant_operating_city c ON c.merchant_id = m.id
   GROUP BY m.id, m.name, m.subscriber_id
   ORDER BY m.name, m.id`;

/** The operator's merchants with their operating cities (what a deployment serves, and the ids the other routes take). */
export function merchantListRoutes({ sequelize, adminToken }: OperatorDeps): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/provider/merchants',
      summary: 'Lists the merchants with their operating cities',
      tag: OPERATOR_TAG,
      security: 'adminToken',
      authorize: (req) => requireOperator(req, adminToken),
      responses: { 200: { description: '{merchants: [{id, name, subscriber_id, cities: [{id, city_code, currency}]}]}' } },
      handler: async (_input, res) => {
        const merchants = await sequelize.query(listSql, { type: QueryTypes.SELECT });
        res.json({ merchants });
      },
    },
  ];
}
