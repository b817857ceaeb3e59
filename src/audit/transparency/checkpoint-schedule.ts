import type { Logger } from '../../infra/logging/logger.js';
import { decodePrivateKey } from '../../protocol/signing/index.js';
import { startCheckpointPublisher, type CheckpointPublisher, type RecordSource } from './checkpoint-publisher.js';

export interface CheckpointSettings {
  /** Null: this process publishes no checkpoints. */
  dir: string | null;
  intervalMs: number;
  settleMs: number;
}

/**
 * The service's checkpoint publishing, started with its background work:
 * signed with the service's signing key (base64 seed), into `settings.dir`.
 * Does nothing when no directory is configured.
 */
export function checkpointSchedule(settings: CheckpointSettings, source: RecordSource, signingPrivateKey: string, logger: Logger) {
  let publisher: CheckpointPublisher | null = null;
  return {
    start(): void {
      if (settings.dir === null || publisher !== null) return;
      publisher = startCheckpointPublisher({
        source,
        signingKey: decodePrivateKey(signingPrivateKey),
        dir: settings.dir,
        intervalMs: settings.intervalMs,
        settleMs: settings.settleMs,
        logger,
      });
    },
    async stop(): Promise<void> {
      await publisher?.stop();
      publisher = null;
    },
  };
}
