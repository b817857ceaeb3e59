import { Partitioners, type Message, type PartitionMetadata } from 'kafkajs';
import { MAX_RECORD_BYTES } from './record-line.js';
import { toKafkaMessage } from './relay-messages.js';
import { firstLines, type SpoolBatch } from './spool.js';

/**
 * Bound of one partition's share of a produce request, counted uncompressed
 * (value, key, record id, and 64 bytes of framing per record). Kafka checks
 * each partition's record batch, as sent (compressed), against
 * `message.max.bytes` (1,048,588 by default); compression never grows a
 * batch by more than a few per mille, so the bound holds for any codec
 * and any content.
 */
export const MAX_PARTITION_BYTES = MAX_RECORD_BYTES;
const RECORD_FRAMING_BYTES = 64;

/** The records of one produce request and the spool lines they came from. */
export interface RelayRequest {
  spool: SpoolBatch;
  messages: Message[];
  /** Lines that were not records: skipped, and reported by the caller. */
  skipped: Buffer[];
}

/**
 * Places messages as the kafkajs default partitioner would (murmur2 of the
 * key modulo the partition count), so each partition's share of a request is
 * known before it is sent; the messages carry their partition explicitly.
 */
export function createRecordPartitioner(topic: string, partitionMetadata: PartitionMetadata[]): (message: Message) => number {
  const partitioner = Partitioners.DefaultPartitioner();
  return (message) => partitioner({ topic, partitionMetadata, message });
}

/**
 * The longest prefix of `batch` whose records fit one produce request with
 * at most MAX_PARTITION_BYTES per partition (a record alone in its partition
 * always fits: lines are at most MAX_RECORD_BYTES). Lines stay in spool
 * order; the rest of the batch is read again for the next request.
 */
export function toRelayRequest(batch: SpoolBatch, partitionOf: (message: Message) => number): RelayRequest {
  const perPartition = new Map<number, number>();
  const messages: Message[] = [];
  const skipped: Buffer[] = [];
  let taken = 0;
  for (const line of batch.lines) {
    const message = toKafkaMessage(line);
    if (message) {
      const partition = partitionOf(message);
      const size = line.length + String(message.key).length * 2 + RECORD_FRAMING_BYTES;
      const used = perPartition.get(partition);
      if (used !== undefined && used + size > MAX_PARTITION_BYTES) break;
      perPartition.set(partition, (used ?? 0) + size);
      messages.push({ ...message, partition });
    } else {
      skipped.push(line);
    }
    taken += 1;
  }
  return { spool: taken === batch.lines.length ? batch : firstLines(batch, taken), messages, skipped };
}
