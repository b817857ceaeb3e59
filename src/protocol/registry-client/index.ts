export {
  isEd25519PublicKey,
  lookupRequestBody,
  normalizeRecord,
  subscriberRecordFields,
  subscriberTypeOf,
  type LookupFilter,
  type LookupSource,
  type SubscriberRecord,
  type SubscriberType,
} from './subscriber-record.js';
export { KeyUnavailableError, RegistryUnavailableError, type KeyUnavailableReason } from './errors.js';
export { httpLookupSource, type HttpLookupSourceOptions } from './http-lookup-source.js';
export { createRegistryClient, type RegistryClient, type RegistryClientOptions } from './registry-client.js';
export { registryKeyCacheKey } from './key-cache.js';
