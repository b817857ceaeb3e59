import { QueryTypes } from 'sequelize';
import type { RequestHandler } from '../../protocol/index.js';
import { BPP_SCHEMA } from '../models/index.js';
import { type AftercareDeps, readOrderRef } from './aftercare-deps.js';
import { AFTERCARE_ERRORS, domainCodes } from './aftercare-errors.js';
import { findConfirmedOrder } from './order-lookup.js';

/**
 * support -> on_support: how to reach the operator (merchant) of the order
 * named by `support.ref_id` (core), `ref_id` or `order_id` (ONDC examples):
 * the phone, email and URL the operator registered. An operator that
 * registered none is answered with support-unavailable.
 */
export function createSupportHandler(deps: Pick<AftercareDeps, 'sequelize'>): RequestHandler {
  return async (request, transaction) => {
    const named = readOrderRef(request.message, ['support.ref_id', 'ref_id', 'order_id']);
    if (!named) return { error: { code: AFTERCARE_ERRORS.invalidRequest, message: 'the request names no order', paths: 'message.ref_id' } };
    const order = await findConfirmedOrder(deps.sequelize, transaction, { ref: named.ref, bapId: request.context.bap_id ?? '' });
    if (!order) return { error: { code: domainCodes(request.context.domain).orderNotFound, message: `order ${named.ref} not found`, paths: named.path } };
    const [contact] = await deps.sequelize.query<{ support_phone: string | null; support_email: string | null; support_url: string | null }>(
      `SELECT support_phone, support_email, support_url FROM ${BPP_SCHEMA}.merchant WHERE id = $1`,
      { type: QueryTypes.SELECT, bind: [order.merchantId], transaction },
    );
    const support = {
      ...(contact?.support_phone ? { phone: contact.support_phone } : {}),
      ...(contact?.support_email ? { email: contact.support_email } : {}),
      ...(contact?.support_url ? { url: contact.support_url } : {}),
    };
    if (Object.keys(support).length === 0) return { error: { code: AFTERCARE_ERRORS.supportUnavailable, message: 'the operator has no support contact' } };
    return { message: { support: { ref_id: named.ref, ...support } } };
  };
}
