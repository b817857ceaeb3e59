import type { Kafka } from 'kafkajs';
import type { Logger } from '../logging/logger.js';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configEntries?: { name: string; value: string }[];
}

/**
 * Creates the topics that do not exist yet and returns the names it created.
 * Safe to run from every replica at start-up: a topic another replica created
 * in the meantime counts as existing, not as an error.
 */
export async function ensureTopics(kafka: Kafka, topics: TopicSpec[], logger: Logger): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const created: string[] = [];
    // One request per topic: kafkajs only reports "all created" or "some existed" for a batch.
    for (const spec of topics.filter((t) => !existing.has(t.topic))) {
      if (await admin.createTopics({ topics: [spec], waitForLeaders: true })) {
        created.push(spec.topic);
        logger.info({ topic: spec.topic, partitions: spec.numPartitions }, 'kafka topic created');
      }
    }
    return created;
  } finally {
    await admin.disconnect();
  }
}
