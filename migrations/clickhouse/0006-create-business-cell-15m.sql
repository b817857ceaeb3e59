-- Provider-side (side = 'bpp') business events per city, 15-minute bucket,
-- grid cell and vehicle variant. The events sink recomputes every row of each
-- (city, bucket) a batch touched from business_events FINAL and inserts it
-- with a newer computed_at_ms; ReplacingMergeTree(computed_at_ms) keeps the
-- newest computation, so a replayed batch or two sinks recomputing the same
-- bucket leave the same answer. Read with FINAL.
-- supply_idle / supply_online: the cell's summed snapshot counts divided by
-- the number of snapshot runs in the city in that bucket, so summing the
-- cells of a city gives its average supply over the bucket.
CREATE TABLE IF NOT EXISTS business_cell_15m (
  city String,
  bucket DateTime,
  cell String,
  variant String,
  searches UInt64,
  estimates UInt64,
  bookings UInt64,
  completed_rides UInt64,
  cancelled_by_rider UInt64,
  cancelled_by_driver UInt64,
  cancelled_other UInt64,
  assignments UInt64,
  median_time_to_assign_ms Float64,
  supply_idle Float64,
  supply_online Float64,
  fare_total_minor Int64,
  computed_at_ms UInt64
) ENGINE = ReplacingMergeTree(computed_at_ms)
PARTITION BY toYYYYMM(bucket)
ORDER BY (city, bucket, cell, variant)
