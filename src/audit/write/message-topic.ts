import type { AuditConfig } from '../../config/index.js';
import type { TopicSpec } from '../../infra/kafka/index.js';

/**
 * Kafka is the pipeline into ClickHouse, not the archive (ClickHouse keeps
 * `retentionMonths`): a week rides out a long sink outage.
 */
const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The message log topic. With acks from all in-sync replicas, two replicas
 * must hold a record before it counts as shipped (one on a single-broker
 * cluster): a broker down stops shipping rather than risking a record, and
 * the local spool absorbs the wait.
 */
export function messageTopicSpec(audit: Pick<AuditConfig, 'topic' | 'topicPartitions' | 'replicationFactor'>): TopicSpec {
  return {
    topic: audit.topic,
    numPartitions: audit.topicPartitions,
    replicationFactor: audit.replicationFactor,
    configEntries: [
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'retention.ms', value: String(RETENTION_MS) },
      { name: 'min.insync.replicas', value: String(Math.min(2, audit.replicationFactor)) },
    ],
  };
}
