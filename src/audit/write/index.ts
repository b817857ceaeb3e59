export { openKafkaMessageLog, type KafkaMessageLog, type KafkaMessageLogOptions } from './kafka-message-log.js';
export type { RelayCompression, RelaySettings, RelayState } from './kafka-relay.js';
export { messageTopicSpec } from './message-topic.js';
export { MAX_RECORD_BYTES } from './record-line.js';
export { RECORD_ID_HEADER } from './relay-messages.js';
export { Spool, SpoolFullError, type SpoolDepth } from './spool.js';
