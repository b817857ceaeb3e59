export { createAuditSink, type AuditSink, type AuditSinkOptions, type AuditSinkStats } from './audit-sink.js';
export { dropExpiredPartitions, messageLogPartitions, oldestKeptMonth, MESSAGE_LOG_TABLE } from './retention.js';
export { REJECTS_TABLE, type RejectRow } from './reject-row.js';
export { parseMessageValue, type ParsedMessage } from './parse-record.js';
export { eventsSinkGroupOf, startAuditSinkService, type RunningAuditSink } from './sink-service.js';
