import type { Logger } from '../../infra/logging/logger.js';
import type { MessageRecord } from '../../protocol/message-log/index.js';
import { checkpointOrigin, signCheckpoint, type Checkpoint } from './checkpoint.js';
import { appendCheckpoint, readCheckpoints } from './checkpoint-files.js';
import { treeRoot } from './merkle.js';
import { periodOf, type Period } from './period.js';
import { coveredRange, periodLeaves, type TreeLeaf } from './period-tree.js';

/** The records started in [from, to), bodies not needed: the audit store's export without bodies. */
export interface RecordSource {
  exportWithoutBodies(filter: { from?: Date; to?: Date }): AsyncIterable<MessageRecord>;
}

export interface CheckpointPublisherOptions {
  source: RecordSource;
  signingKey: { seed: Uint8Array; publicKey: Uint8Array };
  /** Where the checkpoint files go (see checkpoint-files.ts). */
  dir: string;
  intervalMs: number;
  /**
   * How far behind the clock a checkpoint stops: records reach the log up to
   * this late (Kafka, the sink), and one landing below a published
   * checkpoint would look like an insertion.
   */
  settleMs: number;
  logger: Logger;
  clock?: () => Date;
}

export type PublishOutcome =
  | { period: Period; published: Checkpoint }
  /** The period's records no longer extend its last checkpoint: nothing is published over them. */
  | { period: Period; inconsistent: { last: Checkpoint; treeSize: number } };

const rootOf = (leaves: Parameters<typeof treeRoot>[0], size: number) => treeRoot(leaves, size).toString('base64');

/** The tree still starts with the checkpoint's, and no other record started before the time it covered. */
function extends_(last: Checkpoint, tree: readonly TreeLeaf[], leaves: readonly Buffer[]): boolean {
  const coveredMs = Date.parse(last.covers_before);
  const covered = tree.filter((leaf) => leaf.startedAtMs < coveredMs).length;
  return covered === last.tree_size && last.tree_size <= leaves.length && rootOf(leaves, last.tree_size) === last.root_hash;
}

/**
 * One round: for the period the cutoff (clock - settle) falls in, and the
 * one it fell in an interval ago (so a month gets a checkpoint covering its
 * end), builds the tree of the records started before the cutoff and
 * appends its signed checkpoint. A tree that does not extend the period's
 * last checkpoint (a record gone, added or moved below it, or one that
 * reached the store later than the settle time) is reported and logged
 * instead, and the checkpoint already kept stays the last one: publishing
 * resumes for that period only once the log matches it again, or once the
 * operator moves its checkpoint file aside and so starts a new series.
 */
export async function publishCheckpoints(options: CheckpointPublisherOptions): Promise<PublishOutcome[]> {
  const now = (options.clock ?? (() => new Date()))();
  const cutoff = new Date(now.getTime() - options.settleMs);
  const periods = [...new Set([periodOf(new Date(cutoff.getTime() - options.intervalMs)), periodOf(cutoff)])];
  const outcomes: PublishOutcome[] = [];
  for (const period of periods) {
    const range = coveredRange(period, cutoff);
    const tree = await periodLeaves(options.source.exportWithoutBodies(range));
    const leaves = tree.map((leaf) => leaf.hash);
    const last = (await readCheckpoints(options.dir, period)).at(-1);
    if (last !== undefined && !extends_(last, tree, leaves)) {
      options.logger.error(
        { period, checkpoint_tree_size: last.tree_size, checkpoint_timestamp: last.timestamp, tree_size: leaves.length },
        'the message log no longer extends its last checkpoint: records were removed, added or moved below it',
      );
      outcomes.push({ period, inconsistent: { last, treeSize: leaves.length } });
      continue;
    }
    const checkpoint = signCheckpoint(
      {
        origin: checkpointOrigin,
        period,
        tree_size: leaves.length,
        root_hash: rootOf(leaves, leaves.length),
        covers_before: range.to.toISOString(),
        timestamp: now.toISOString(),
      },
      options.signingKey,
    );
    await appendCheckpoint(options.dir, checkpoint);
    outcomes.push({ period, published: checkpoint });
  }
  return outcomes;
}

export interface CheckpointPublisher {
  /** Waits for a round in progress, then publishes no more. */
  stop(): Promise<void>;
}

/** Publishes every `intervalMs`, the first round right away; a failed round is logged and the next one runs on time. */
export function startCheckpointPublisher(options: CheckpointPublisherOptions): CheckpointPublisher {
  const logger = options.logger.child({ component: 'checkpoint-publisher', dir: options.dir });
  let round: Promise<void> = Promise.resolve();
  let stopped = false;
  const run = () => {
    round = round.then(async () => {
      if (stopped) return;
      try {
        const outcomes = await publishCheckpoints({ ...options, logger });
        for (const outcome of outcomes) {
          if ('published' in outcome) logger.info({ period: outcome.period, tree_size: outcome.published.tree_size }, 'message log checkpoint published');
        }
      } catch (error) {
        logger.error({ err: error }, 'message log checkpoint failed; the next round runs on time');
      }
    });
  };
  run();
  const timer = setInterval(run, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await round;
    },
  };
}
