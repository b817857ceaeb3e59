import type { CorrelationStore } from '../../infra/correlation/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { Metrics } from '../../infra/metrics/index.js';
import type { RateLimiter } from '../../infra/rate-limit/index.js';
import type { MessageLog } from '../message-log/index.js';
import type { RegistryClient } from '../registry-client/index.js';
import type { BecknValidator } from '../schemas/index.js';
import type { InboundMessage } from './inbound-message.js';

export interface InboundSettings {
  /** Our subscriber id and registered URL per role. */
  identities: Record<'bap' | 'bpp' | 'gateway', { subscriberId: string; subscriberUrl: string }>;
  clockSkewSeconds: number;
  maxBodyBytes: number;
  /** How long a (sender, action, message_id) is remembered for duplicate detection. */
  duplicateWindowSeconds: number;
  rateLimit: { limit: number; windowMs: number };
  /** Refusals of messages whose signature did not verify, per source address; past it they are answered 429 and not logged. */
  refusalLimit: { limit: number; windowMs: number };
  /** City codes served; empty means every city. */
  cities: readonly string[];
  /** The ttl a message of a profile where ttl is optional (Beckn core 1.1.0) is held to without one; CORE_DEFAULT_TTL unless given. */
  defaultTtl?: string;
}

export interface InboundDeps {
  registry: RegistryClient;
  validator: BecknValidator;
  correlation: CorrelationStore;
  rateLimiter: RateLimiter;
  messageLog: MessageLog;
  /**
   * SHA-256 of the body of this message (same sender, action and
   * message_id) when it was already accepted durably (the inbox), else null:
   * a retry is then a duplicate even if its claim in the correlation store
   * was lost or never confirmed.
   */
  acceptedBodySha256(message: InboundMessage): Promise<string | null>;
  metrics: Metrics;
  logger: Logger;
  clock: () => Date;
  settings: InboundSettings;
}
