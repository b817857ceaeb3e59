-- Bytes of the whole body when only a prefix of it is kept (refusals before a
-- signature verified keep 4 KiB). -1: the record did not say (outbound
-- records, and inbound ones written before the field existed).
ALTER TABLE beckn_message_log ADD COLUMN body_size Int64 DEFAULT -1
