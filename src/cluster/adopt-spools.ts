import { rmSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import { openKafkaMessageLog } from '../audit/write/index.js';
import { lockDataDir } from '../infra/data-dir-lock.js';
import type { Logger } from '../infra/logging/logger.js';
import { orphanSpoolDirs } from './worker-spools.js';

export interface SpoolAdoption {
  /** Stops shipping; what is left stays in its folder for the next start. */
  stop(): Promise<void>;
}

const POLL_MS = 500;

/**
 * Ships the spools of worker slots above `workers` (a run with more workers
 * left them) to Kafka, then removes their folders. Run by slot 1 only, and
 * no worker of this run owns those slots, so nobody else writes them; each
 * is locked as its owner would lock it anyway.
 */
export function adoptOrphanSpools(options: { kafka: Kafka; topic: string; spoolDir: string; spoolMaxBytes: number; workers: number; logger: Logger }): SpoolAdoption {
  let stopped = false;
  const done = (async () => {
    for (const dir of orphanSpoolDirs(options.spoolDir, options.workers)) {
      if (stopped) return;
      let unlock: () => void;
      try {
        unlock = await lockDataDir(dir, { waitMs: 0 });
      } catch (error) {
        options.logger.warn({ err: error, spoolDir: dir }, 'spool of a former worker is locked by a live process: left to it');
        continue;
      }
      try {
        const log = await openKafkaMessageLog({ kafka: options.kafka, topic: options.topic, spoolDir: dir, spoolMaxBytes: options.spoolMaxBytes, logger: options.logger });
        options.logger.info({ spoolDir: dir, depth: log.spoolDepth() }, 'shipping the spool a former worker left');
        while (!stopped && log.spoolDepth().records > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        await log.close();
        if (log.spoolDepth().records === 0) rmSync(dir, { recursive: true, force: true });
      } catch (error) {
        options.logger.error({ err: error, spoolDir: dir }, 'the spool a former worker left could not be shipped; it stays for the next start');
      } finally {
        unlock();
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
    },
  };
}
