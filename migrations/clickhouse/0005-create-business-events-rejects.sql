-- Dead letters of the events sink: Kafka messages of the business events
-- topic that are not a readable business event. Kept raw (UTF-8 text, or
-- base64 when the bytes are not UTF-8) with where they came from and why they
-- were refused. Keyed by the Kafka position: a replay after a sink crash
-- collapses onto the same row (read with FINAL). Same shape as
-- beckn_message_log_rejects.
CREATE TABLE IF NOT EXISTS business_events_rejects (
  kafka_topic String,
  kafka_partition UInt32,
  kafka_offset UInt64,
  message_key String,
  raw_value String,
  value_encoding String,
  error String,
  kafka_timestamp_ms UInt64,
  rejected_at DateTime
) ENGINE = ReplacingMergeTree()
ORDER BY (kafka_topic, kafka_partition, kafka_offset)
