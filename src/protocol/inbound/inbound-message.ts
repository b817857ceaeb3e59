import type { NackSide } from '../errors/index.js';
import type { SubscriberRecord } from '../registry-client/index.js';
import type { BecknContext, BecknEnvelope } from './beckn-context.js';

export type Role = 'bap' | 'bpp' | 'gateway';
export type Verdict = 'valid' | 'invalid' | 'missing' | 'not_checked';

/** One inbound message as it moves through the steps; each step reads what earlier ones set. */
export interface InboundMessage {
  role: Role;
  side: NackSide;
  /** The action named by the URL path. */
  action: string;
  url: string;
  startedAt: Date;
  raw: Buffer;
  truncated: boolean;
  /** Bytes of the whole body as received; `raw` holds all of them unless `truncated`. */
  size: number;
  /** SHA-256 (hex) of the whole body as received. */
  bodySha256: string;
  /** Who sent it, as far as the network says: the key its refusals are counted under (src/protocol/inbound/source-address.ts). */
  source: string;
  contentType: string | undefined;
  /** Lower-cased names of the headers worth keeping in the message log. */
  headers: Record<string, string>;
  envelope?: BecknEnvelope;
  context?: BecknContext;
  signer?: SubscriberRecord;
  keyId: string | null;
  verdict: Verdict;
  gatewaySigner?: SubscriberRecord;
  gatewayKeyId: string | null;
  gatewayVerdict: Verdict;
  /** A repeat of a message already accepted: answered ACK, not processed again. */
  duplicate: boolean;
  /** Set by the duplicate step: release the claim when the message is not accepted after all, confirm it once it is. */
  releaseClaim?: () => Promise<void>;
  confirmClaim?: () => Promise<void>;
}
