-- W3C trace id (32 hex digits) of the span that received or sent the message,
-- to find a message's trace in the tracing backend and a trace's messages
-- here. '': nothing was traced (tracing off, or records written before).
-- No IF NOT EXISTS: ClickHouse 18.16 does not parse it in ADD COLUMN.
ALTER TABLE beckn_message_log ADD COLUMN trace_id String DEFAULT ''
