import type { TopicSpec } from '../infra/kafka/index.js';

/** Kafka carries business events to their sink, it does not archive them: a week rides out a long sink outage. */
const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The business event topic, keyed by subject id. As for the message log,
 * two in-sync replicas must hold an event before it counts as published
 * (one on a single-broker cluster); meanwhile events wait in the outbox.
 */
export function eventTopicSpec(events: { topic: string; topicPartitions: number; replicationFactor: number }): TopicSpec {
  return {
    topic: events.topic,
    numPartitions: events.topicPartitions,
    replicationFactor: events.replicationFactor,
    configEntries: [
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'retention.ms', value: String(RETENTION_MS) },
      { name: 'min.insync.replicas', value: String(Math.min(2, events.replicationFactor)) },
    ],
  };
}
