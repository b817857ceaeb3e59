import {
  createInsertCoalescer as createCoalescer,
  type InsertCoalescer,
  type InsertCoalescerOptions,
  type InsertPart as SinkInsertPart,
} from '../../infra/kafka-sink/index.js';
import type { MessageRow } from '../message-row.js';

/** The shared coalescer (src/infra/kafka-sink) carrying message log rows. */
export type InsertPart = SinkInsertPart<MessageRow>;

export function createInsertCoalescer(options: InsertCoalescerOptions<MessageRow>): InsertCoalescer<MessageRow> {
  return createCoalescer<MessageRow>(options);
}
