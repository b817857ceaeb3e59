import type { CorrelationStore } from '../../infra/correlation/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { Metrics } from '../../infra/metrics/index.js';
import type { RateLimiter } from '../../infra/rate-limit/index.js';
import type { MessageLog } from '../message-log/index.js';
import type { RegistryClient } from '../registry-client/index.js';
import type { BecknValidator } from '../schemas/index.js';

export interface InboundSettings {
  /** Our subscriber id and registered URL per role. */
  identities: Record<'bap' | 'bpp' | 'gateway', { subscriberId: string; subscriberUrl: string }>;
  clockSkewSeconds: number;
  maxBodyBytes: number;
  /** How long a (sender, action, message_id) is remembered for duplicate detection. */
  duplicateWindowSeconds: number;
  rateLimit: { limit: number; windowMs: number };
  /** City codes served; empty means every city. */
  cities: readonly string[];
}

export interface InboundDeps {
  registry: RegistryClient;
  validator: BecknValidator;
  correlation: CorrelationStore;
  rateLimiter: RateLimiter;
  messageLog: MessageLog;
  metrics: Metrics;
  logger: Logger;
  clock: () => Date;
  settings: InboundSettings;
}
