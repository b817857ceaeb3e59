import type { MessageRecord } from '../../protocol/message-log/index.js';
import type { AuditRole } from './auditor-auth.js';
import { maskedBody, type BodyView } from './pii-masking.js';
import type { PiiRules } from './pii-rules.js';

/** A record as the audit API shows it: `raw_body` is what the role may see, `body_view` says which. */
export type AuditRecordView = MessageRecord & { body_view: BodyView };

export function recordView(record: MessageRecord, role: AuditRole, rules: PiiRules): AuditRecordView {
  if (role === 'auditor_pii') return { ...record, body_view: 'raw' };
  return { ...record, ...maskedBody(record, rules) };
}

/** The exact stored bytes (base64-encoded records decoded). */
export function storedBytes(record: MessageRecord): Buffer {
  return Buffer.from(record.raw_body, record.body_encoding === 'base64' ? 'base64' : 'utf8');
}
