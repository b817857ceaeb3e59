export { createKafka, type KafkaClientOptions } from './kafka-client.js';
export { ensureTopics, type TopicSpec } from './topics.js';
export { checkKafka } from './kafka-health.js';
export { kafkaErrorType, needsNewProducer } from './producer-errors.js';
export { useLz4Codec } from './lz4-codec.js';
