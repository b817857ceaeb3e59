import { profileForDomain, type BecknProfile } from '../../schemas/profiles.js';
import type { Step } from './step.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The payment types each profile's schema takes (beckn-schemas: the core
 * enum of Payment.type, narrowed by the ONDC:TRV10 layer's common.json). A
 * domain without a layer is held to the core list.
 */
const coreTypes: readonly string[] = ['PRE-ORDER', 'PRE-FULFILLMENT', 'ON-FULFILLMENT', 'POST-FULFILLMENT'];
const typesOf: Record<BecknProfile['id'], readonly string[]> = {
  'ONDC:TRV10@2.0.1': ['PRE-ORDER', 'ON-ORDER', 'ON-FULFILLMENT'],
  'nic2004:60221@1.1.0': coreTypes,
};
const statuses: readonly string[] = ['PAID', 'NOT-PAID'];

/**
 * `value` with its underscores as hyphens when that is a spelling `known`
 * lists (ON_FULFILLMENT -> ON-FULFILLMENT); anything else as it is, so the
 * schema refuses it naming the value the sender wrote.
 */
function hyphenated(value: unknown, known: readonly string[]): unknown {
  if (typeof value !== 'string' || !value.includes('_')) return value;
  const spelled = value.replace(/_/g, '-');
  return known.includes(spelled) ? spelled : value;
}

function respell(payment: unknown, types: readonly string[]): void {
  if (!isObject(payment)) return;
  if ('type' in payment) payment.type = hyphenated(payment.type, types);
  if ('status' in payment) payment.status = hyphenated(payment.status, statuses);
}

function respellEach(payments: unknown, types: readonly string[]): void {
  if (Array.isArray(payments)) for (const payment of payments) respell(payment, types);
}

/**
 * Rewrites, in place, the payment enums of a Beckn `message` written with
 * underscores (PRE_ORDER, NOT_PAID, ON_FULFILLMENT, ...) in the hyphenated
 * spelling of `domain`'s profile: `order.payments[]`, `intent.payment`,
 * `catalog.payments[]` and `catalog.providers[].payments[]`, their `type` and
 * `status`. A type the profile does not list (ON_ORDER under nic2004:60221)
 * keeps the sender's spelling.
 */
export function hyphenatePaymentSpelling(domain: unknown, message: unknown): void {
  if (!isObject(message)) return;
  const profile = profileForDomain(domain);
  const types = profile ? typesOf[profile.id] : coreTypes;
  if (isObject(message.order)) respellEach(message.order.payments, types);
  if (isObject(message.intent)) respell(message.intent.payment, types);
  if (isObject(message.catalog)) {
    respellEach(message.catalog.payments, types);
    if (Array.isArray(message.catalog.providers)) {
      for (const provider of message.catalog.providers) if (isObject(provider)) respellEach(provider.payments, types);
    }
  }
}

/**
 * Both spellings of the payment enums on input: the parsed body is rewritten
 * in the hyphenated one before schema validation, so handlers given the
 * parsed body see one spelling. It runs after the signature check, which is
 * over the raw bytes; the raw bytes (message log, inbox, a gateway's
 * forwarded body) stay as received.
 */
export const normalisePaymentSpelling: Step = (message) => {
  const envelope = message.envelope;
  if (envelope) hyphenatePaymentSpelling(envelope.context.domain, envelope.message);
};
