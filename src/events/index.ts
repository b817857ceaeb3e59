export * from './event-catalog.js';
export { recordBusinessEvent, schemaOfSide, type EventSchema } from './record-event.js';
export { type EventPublisher } from './event-publisher.js';
export { createKafkaEventPublisher, toEventMessage, EVENT_TYPE_HEADER, EVENT_VERSION_HEADER, type KafkaEventPublisherOptions } from './kafka-event-publisher.js';
export { openFileEventPublisher } from './file-event-publisher.js';
export { eventTopicSpec } from './event-topic.js';
export { createEventRelay, toBusinessEvent, EVENT_RELAY_DEFAULTS, type EventRelay, type EventRelayOptions, type EventRelayStats, type SchemaRelayState } from './event-relay.js';
