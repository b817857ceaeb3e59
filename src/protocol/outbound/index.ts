export type { AckError } from './ack-body.js';
export {
  createBecknHttpClient,
  type BecknHttpClient,
  type BecknHttpClientOptions,
  type HttpOutcome,
} from './beckn-http-client.js';
export { classifyOutcome, isRetryable, type DeliveryVerdict } from './delivery-verdict.js';
export {
  createDeliveryWorker,
  type DeliveryWorker,
  type DeliveryWorkerDependencies,
  type DeliveryWorkerOptions,
} from './delivery-worker.js';
export { createOutbox, type DeadLetterListener, type Outbox, type OutboxOptions } from './outbox.js';
export type { OutboundRole, OutboxEntry, OutboxEntryInput, OutboxStatus } from './outbox-entry.js';
export { OutgoingSchemaError, type CallbackInput, type MessageSender, type RequestInput } from './message-sender.js';
