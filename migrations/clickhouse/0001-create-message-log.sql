-- One row per protocol message record (src/protocol/message-log/message-record.ts).
-- ReplacingMergeTree collapses rows with the same sorting key, which includes
-- the record id: a batch replayed after a sink crash leaves no visible
-- duplicate once merged, and queries read with FINAL to be exact before that.
-- Partitioned by month; retention drops whole partitions (AUDIT_RETENTION_MONTHS),
-- since ClickHouse 18.16 has no table TTL.
CREATE TABLE IF NOT EXISTS beckn_message_log (
  id String,
  direction String,
  role String,
  action String,
  url String,
  transaction_id String,
  message_id String,
  domain String,
  city String,
  bap_id String,
  bpp_id String,
  sender String,
  receiver String,
  raw_body String,
  body_encoding String,
  body_truncated UInt8,
  body_sha256 String,
  headers String,
  signature_verdict String,
  signature_key_id String,
  gateway_verdict String,
  gateway_key_id String,
  ack String,
  error_code String,
  error_type String,
  error_message String,
  http_status UInt16,
  duplicate UInt8,
  attempt UInt16,
  started_at DateTime,
  started_at_ms UInt64,
  finished_at_ms UInt64,
  latency_ms UInt32,
  ingested_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(started_at)
ORDER BY (transaction_id, started_at_ms, id)
