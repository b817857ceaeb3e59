import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { MessageRecord } from '../message-log/index.js';
import { cityOf, type BecknContext } from './beckn-context.js';
import type { InboundMessage } from './inbound-message.js';

export interface InboundOutcome {
  status: number;
  ack: 'ACK' | 'NACK';
  errorCode: string | null;
  errorType: string | null;
  errorMessage: string | null;
}

/**
 * A refused message whose signature did not verify keeps this many bytes of
 * its body: enough for an auditor to see what was sent, too few for anyone
 * without a key to fill the log (the digest and size name the whole body).
 */
export const REFUSED_BODY_PREFIX_BYTES = 4096;

/** How much of the body a record keeps: all of it, the prefix of an unauthenticated refusal, or none (a sampled refusal past its limit). */
export type KeptBody = 'whole' | 'prefix' | 'none';

function encodeBody(raw: Buffer): Pick<MessageRecord, 'raw_body' | 'body_encoding'> {
  return isUtf8(raw) ? { raw_body: raw.toString('utf8'), body_encoding: 'utf8' } : { raw_body: raw.toString('base64'), body_encoding: 'base64' };
}

/** The first `limit` bytes, cut before a UTF-8 continuation byte so a text body stays text. */
function utf8Prefix(raw: Buffer, limit: number): Buffer {
  if (raw.length <= limit) return raw;
  let end = limit;
  while (end > limit - 3 && (raw[end] ?? 0) >> 6 === 0b10) end--;
  return raw.subarray(0, end);
}

function keptBytes(message: InboundMessage, kept: KeptBody): Buffer {
  if (kept === 'none') return Buffer.alloc(0);
  return kept === 'prefix' ? utf8Prefix(message.raw, REFUSED_BODY_PREFIX_BYTES) : message.raw;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * The context a refused message claims, read from its bytes when the pipeline
 * stopped before parsing them (a bad signature), so the record still names
 * the transaction an auditor will look it up by.
 */
function claimedContext(message: InboundMessage): BecknContext {
  if (message.context) return message.context;
  if (message.truncated) return {};
  try {
    const parsed = JSON.parse(message.raw.toString('utf8')) as { context?: unknown };
    return parsed.context !== null && typeof parsed.context === 'object' && !Array.isArray(parsed.context) ? (parsed.context as BecknContext) : {};
  } catch {
    return {};
  }
}

/** The message log record of one inbound message, whatever happened to it, keeping as much of its body as `kept` says. */
export function inboundRecord(message: InboundMessage, outcome: InboundOutcome, finishedAt: Date, kept: KeptBody): MessageRecord {
  const context = claimedContext(message);
  const body = keptBytes(message, kept);
  const isCallback = message.action.startsWith('on_');
  return {
    id: randomUUID(),
    direction: 'inbound',
    role: message.role,
    action: message.action,
    url: message.url,
    transaction_id: text(context.transaction_id),
    message_id: text(context.message_id),
    domain: text(context.domain),
    city: text(cityOf(context)),
    bap_id: text(context.bap_id),
    bpp_id: text(context.bpp_id),
    sender: message.signer?.subscriberId ?? (message.keyId?.split('|')[0] || null),
    receiver: isCallback ? text(context.bap_id) : message.role === 'gateway' ? null : text(context.bpp_id),
    ...encodeBody(body),
    body_truncated: body.length < message.size,
    body_sha256: message.bodySha256,
    body_size: message.size,
    headers: message.headers,
    signature: {
      verdict: message.verdict,
      key_id: message.keyId,
      gateway_verdict: message.gatewayVerdict,
      gateway_key_id: message.gatewayKeyId,
    },
    ack: outcome.ack,
    error_code: outcome.errorCode,
    error_type: outcome.errorType,
    error_message: outcome.errorMessage,
    http_status: outcome.status,
    duplicate: message.duplicate,
    attempt: 1,
    started_at: message.startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    latency_ms: finishedAt.getTime() - message.startedAt.getTime(),
  };
}
