export { createProtocol, type Protocol, type ProtocolDeps, type ProtocolSettings, type BecknRole } from './protocol.js';
export { deadLetterRoutes, type DeadLetterRoutesOptions } from './dead-letter-routes.js';
export { HandlerRegistry, type AcceptedMessage, type CallbackReply, type CallbackError, type RequestHandler, type CallbackHandler } from './handlers.js';
export type { MessageSender, RequestInput, CallbackInput } from './outbound/message-sender.js';
export { openFileMessageLog, readFileMessageLog, type MessageLog, type MessageRecord } from './message-log/index.js';
export { createBecknValidator, becknActions, type BecknAction, type BecknValidator } from './schemas/index.js';
export { httpLookupSource, type LookupSource, type SubscriberRecord } from './registry-client/index.js';
export { nackCatalogue, type NackReason } from './errors/index.js';
export type { BecknContext } from './inbound/beckn-context.js';
