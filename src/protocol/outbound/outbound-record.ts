import { createHash, randomUUID } from 'node:crypto';
import type { MessageRecord } from '../message-log/index.js';
import { parseAuthorizationHeader } from '../signing/index.js';
import { outboundContentType, type HttpOutcome } from './beckn-http-client.js';
import { readBodyContext } from './body-context.js';
import type { SignedHeaders } from './outbound-headers.js';
import type { OutboxEntry } from './outbox-entry.js';

/** What happened in one delivery attempt, as the message log needs it. */
export interface AttemptFacts {
  entry: OutboxEntry;
  /** Our subscriber id and `subscriber|key|ed25519` key id for the entry's role. */
  sender: string;
  keyId: string;
  sent: SignedHeaders;
  outcome: HttpOutcome;
  startedAt: Date;
  finishedAt: Date;
  latencyMs: number;
  /** The trace the attempt ran in; null when nothing is traced. */
  traceId: null | string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function encodeBody(body: Buffer): Pick<MessageRecord, 'raw_body' | 'body_encoding'> {
  try {
    return { raw_body: strictUtf8.decode(body), body_encoding: 'utf8' };
  } catch {
    return { raw_body: body.toString('base64'), body_encoding: 'base64' };
  }
}

/** The key id of a forwarded sender's signature, null when it does not parse. */
function forwardedKeyId(header: string | undefined): string | null {
  try {
    const params = parseAuthorizationHeader(header);
    return `${params.subscriberId}|${params.uniqueKeyId}|${params.algorithm}`;
  } catch {
    return null;
  }
}

/**
 * One outbound record per attempt. Callbacks (`on_*`) go to the BAP,
 * requests to the BPP; a search sent to the gateway has no bpp_id, so its
 * receiver is null. We do not check our own signature ('not_checked').
 */
export function outboundRecord(facts: AttemptFacts): MessageRecord {
  const { entry, sent, outcome } = facts;
  const context = readBodyContext(entry.body);
  const forwarded = sent.signatureHeader === 'x-gateway-authorization';
  const answered = outcome.kind === 'answered' ? outcome : null;
  const failure = outcome.kind === 'failed' ? outcome.error : null;
  return {
    id: randomUUID(),
    direction: 'outbound',
    role: entry.role,
    action: entry.action,
    url: entry.targetUrl,
    transaction_id: context.transactionId ?? entry.transactionId,
    message_id: context.messageId ?? entry.messageId,
    domain: context.domain,
    city: context.city,
    bap_id: context.bapId,
    bpp_id: context.bppId,
    sender: facts.sender,
    receiver: entry.action.startsWith('on_') ? context.bapId : context.bppId,
    ...encodeBody(entry.body),
    body_truncated: false,
    body_sha256: createHash('sha256').update(entry.body).digest('hex'),
    headers: { 'content-type': outboundContentType, ...sent.headers },
    signature: {
      verdict: 'not_checked',
      key_id: forwarded ? forwardedKeyId(sent.headers.authorization) : facts.keyId,
      gateway_verdict: 'not_checked',
      gateway_key_id: forwarded ? facts.keyId : null,
    },
    ack: answered?.ack ?? null,
    error_code: answered?.error?.code ?? null,
    error_type: answered?.error?.type ?? null,
    error_message: answered?.error?.message ?? failure,
    http_status: answered?.status ?? null,
    duplicate: false,
    attempt: entry.attempts,
    started_at: facts.startedAt.toISOString(),
    finished_at: facts.finishedAt.toISOString(),
    latency_ms: facts.latencyMs,
    ...(facts.traceId ? { trace_id: facts.traceId } : {}),
  };
}
