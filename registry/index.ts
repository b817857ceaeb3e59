export { createRegistry, type Registry, type RegistryOptions } from './registry.js';
export { localLookupSource } from './local-lookup-source.js';
export { RegistrySeedError } from './seed-file.js';
export { subscriptionStatuses, type SubscriberRecordInput, type SubscriptionStatus } from './subscriber-input.js';
export type { RegistryRecord } from './subscriber-store.js';
export { toWireRecord, type WireSubscriberRecord } from './wire-record.js';
export { lookupResponseSchema, subscriberRecordSchema } from './schemas.js';
