-- One row per business event (src/events/event-catalog.ts, BusinessEvent),
-- loaded from the events topic by the events sink (src/events/sink). The
-- payload is kept as its JSON text; the measures the aggregates and the
-- analytics API need are lifted out of it by the sink (ClickHouse 18.16 has
-- no JSON functions): money in minor units, exact from the decimal string;
-- 0 or '' when the event carries no such measure.
-- ReplacingMergeTree collapses rows with the same sorting key, which ends
-- with the event id: a batch replayed after a sink crash leaves no visible
-- duplicate once merged, and queries read with FINAL to be exact before that.
CREATE TABLE IF NOT EXISTS business_events (
  event_id String,
  event_type String,
  event_version UInt16,
  occurred_at DateTime,
  occurred_at_ms UInt64,
  side String,
  merchant_id String,
  city String,
  cell String,
  variant String,
  subject_id String,
  payload String,
  amount_minor Int64,
  amount_max_minor Int64,
  currency String,
  item_count UInt32,
  time_to_assign_ms UInt32,
  distance_m UInt32,
  duration_s UInt32,
  actor String,
  rating UInt8,
  supply_online UInt32,
  supply_idle UInt32,
  supply_on_ride UInt32,
  ingested_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (city, event_type, event_id)
