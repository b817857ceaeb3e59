/**
 * One record per protocol message, inbound or outbound, accepted or
 * rejected. The pipeline and the outbound client build it; domain handlers
 * never do. The audit pipeline stores it as is (Kafka → ClickHouse).
 */
export interface MessageRecord {
  /** Unique per record (a retried outbound delivery gets one per attempt). */
  id: string;
  direction: 'inbound' | 'outbound';
  /** The role of ours that received or sent it. */
  role: 'bap' | 'bpp' | 'gateway';
  /** The action from the URL path (what was called), even when the body is unreadable. */
  action: string;
  url: string;
  transaction_id: string | null;
  message_id: string | null;
  domain: string | null;
  city: string | null;
  bap_id: string | null;
  bpp_id: string | null;
  /** Subscriber id of the signer (inbound) or ours (outbound); null when unknown. */
  sender: string | null;
  receiver: string | null;
  /** Exact body bytes: UTF-8 text when the bytes are valid UTF-8, base64 otherwise. */
  raw_body: string;
  body_encoding: 'utf8' | 'base64';
  /**
   * True when only the first bytes of the body are kept: the body exceeded
   * the limit, or an inbound message was refused before its signature
   * verified (src/protocol/inbound/message-record.ts).
   */
  body_truncated: boolean;
  /** SHA-256 (hex) of the full body bytes as received or sent. */
  body_sha256: string;
  /** Inbound: bytes of the full body as received, however many of them `raw_body` keeps. */
  body_size?: number;
  /** The signature-related and content headers, lower-cased names. */
  headers: Record<string, string>;
  signature: {
    verdict: 'valid' | 'invalid' | 'missing' | 'not_checked';
    key_id: string | null;
    gateway_verdict: 'valid' | 'invalid' | 'missing' | 'not_checked';
    gateway_key_id: string | null;
  };
  ack: 'ACK' | 'NACK' | null;
  error_code: string | null;
  error_type: string | null;
  error_message: string | null;
  http_status: number | null;
  /** Inbound: a repeat of a message already accepted (answered ACK without reprocessing). */
  duplicate: boolean;
  /** Outbound: 1-based delivery attempt. */
  attempt: number;
  /** When the first byte arrived (inbound) or the request was sent (outbound), ISO-8601. */
  started_at: string;
  /** When the answer was sent (inbound) or received (outbound). */
  finished_at: string;
  latency_ms: number;
  /** W3C trace id (32 hex digits) of the span that received or sent the message; absent when nothing was traced. */
  trace_id?: string;
}

/** Where protocol records go: a local file (embedded profile) or Kafka (full profile). */
export interface MessageLog {
  append(record: MessageRecord): Promise<void>;
  /** Durably writes everything appended so far. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
