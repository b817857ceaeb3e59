import type { AuditRecordView } from './record-view.js';

export type ExportFormat = 'ndjson' | 'csv';

export const exportContentTypes: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

/** CSV columns, one per record field (signature fields flattened, headers as JSON). */
const csvColumns: readonly [string, (record: AuditRecordView) => unknown][] = [
  ['id', (r) => r.id],
  ['started_at', (r) => r.started_at],
  ['finished_at', (r) => r.finished_at],
  ['latency_ms', (r) => r.latency_ms],
  ['direction', (r) => r.direction],
  ['role', (r) => r.role],
  ['action', (r) => r.action],
  ['url', (r) => r.url],
  ['transaction_id', (r) => r.transaction_id],
  ['message_id', (r) => r.message_id],
  ['domain', (r) => r.domain],
  ['city', (r) => r.city],
  ['bap_id', (r) => r.bap_id],
  ['bpp_id', (r) => r.bpp_id],
  ['sender', (r) => r.sender],
  ['receiver', (r) => r.receiver],
  ['ack', (r) => r.ack],
  ['error_code', (r) => r.error_code],
  ['error_type', (r) => r.error_type],
  ['error_message', (r) => r.error_message],
  ['http_status', (r) => r.http_status],
  ['duplicate', (r) => r.duplicate],
  ['attempt', (r) => r.attempt],
  ['trace_id', (r) => r.trace_id ?? ''],
  ['signature_verdict', (r) => r.signature.verdict],
  ['signature_key_id', (r) => r.signature.key_id],
  ['gateway_verdict', (r) => r.signature.gateway_verdict],
  ['gateway_key_id', (r) => r.signature.gateway_key_id],
  ['body_sha256', (r) => r.body_sha256],
  ['body_truncated', (r) => r.body_truncated],
  ['body_encoding', (r) => r.body_encoding],
  ['body_view', (r) => r.body_view],
  ['headers', (r) => JSON.stringify(r.headers)],
  ['raw_body', (r) => r.raw_body],
];

/**
 * One RFC 4180 field. Text a spreadsheet would run as a formula (leading
 * = + - @, tab or CR) gets a leading apostrophe, since message fields come
 * from other parties (OWASP CSV injection).
 */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${csvColumns.map(([name]) => name).join(',')}\r\n`;
}

export function formatRecord(record: AuditRecordView, format: ExportFormat): string {
  if (format === 'ndjson') return `${JSON.stringify(record)}\n`;
  return `${csvColumns.map(([, read]) => csvField(read(record))).join(',')}\r\n`;
}
