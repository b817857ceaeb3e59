export * from './payment-gateway.js';
export { PaymentGatewayError, type GatewayErrorKind } from './gateway-errors.js';
export { createJuspayGateway, type JuspayGatewayOptions } from './juspay-adapter.js';
export type { Clock, WebhookAuth } from './webhook-auth.js';
export { inMemorySeenEvents } from './seen-events-in-memory.js';
export { signatureHeader } from './webhook-signature.js';
export { toMinorUnits, isDecimalAmount } from './decimal-amount.js';
export {
  startPaymentSimulator,
  type PaymentSimulator,
  type PaymentSimulatorControl,
  type PaymentSimulatorOptions,
  type SimulatedOperation,
} from './simulator/payment-simulator.js';
export type { SimulatedOutcome, OutcomeTarget } from './simulator/simulator-ledger.js';
export type { WebhookControl, WebhookDelivery } from './simulator/simulator-webhooks.js';
