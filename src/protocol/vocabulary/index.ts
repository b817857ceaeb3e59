import { hasOwnVocabulary, ONDC_FULFILLMENT_STATES, toDomainState, type OndcFulfillmentState } from './fulfillment-states.js';
import { ONDC_ORDER_STATUSES, toDomainOrderStatus, type OndcOrderStatus } from './order-status.js';

export * from './fulfillment-states.js';
export * from './order-status.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isOneOf = <T extends string>(values: readonly T[], value: unknown): value is T => typeof value === 'string' && (values as readonly string[]).includes(value);

/** A `{ descriptor: { code } }` holding an ONDC fulfillment state, its code renamed for `domain`; anything else as it is. */
function stateIn(domain: string, holder: unknown): unknown {
  if (!isObject(holder) || !isObject(holder.descriptor)) return holder;
  const code = holder.descriptor.code;
  if (!isOneOf<OndcFulfillmentState>(ONDC_FULFILLMENT_STATES, code)) return holder;
  const named = toDomainState(domain, code);
  return named === code ? holder : { ...holder, descriptor: { ...holder.descriptor, code: named } };
}

/**
 * A callback `message` whose order is written in ONDC names, in the
 * vocabulary of `domain`: `order.status`, the state of each
 * `order.fulfillments[]` and the `fulfillment_state` of each
 * `order.cancellation_terms[]`. Anything else, and a message without an
 * order, is returned as it is; in a domain that speaks the ONDC names
 * nothing changes.
 */
export function orderMessageInDomain(domain: string | undefined, message: unknown): unknown {
  // ONDC:TRV10 callbacks, nearly all of them, go out untouched and uncopied.
  if (!hasOwnVocabulary(domain) || domain === undefined || !isObject(message) || !isObject(message.order)) return message;
  const order: Json = { ...message.order };
  if (isOneOf<OndcOrderStatus>(ONDC_ORDER_STATUSES, order.status)) order.status = toDomainOrderStatus(domain, order.status);
  if (Array.isArray(order.fulfillments)) {
    order.fulfillments = order.fulfillments.map((f: unknown) => (isObject(f) && 'state' in f ? { ...f, state: stateIn(domain, f.state) } : f));
  }
  if (Array.isArray(order.cancellation_terms)) {
    order.cancellation_terms = order.cancellation_terms.map((t: unknown) =>
      isObject(t) && 'fulfillment_state' in t ? { ...t, fulfillment_state: stateIn(domain, t.fulfillment_state) } : t,
    );
  }
  return { ...message, order };
}
