import type { MessageRecord } from '../../protocol/message-log/index.js';
import type { AuditRole } from './auditor-auth.js';
import type { MaskBudget } from './mask-budget.js';
import { maskedBodyPaced, type BodyView } from './pii-masking.js';
import type { PiiRules } from './pii-rules.js';

/** A record as the audit API shows it: `raw_body` is what the role may see, `body_view` says which. */
export type AuditRecordView = MessageRecord & { body_view: BodyView };

/**
 * `budget` is the response's: every body masked for one response draws on
 * it. Masking pauses for other requests whenever a slice of work is done.
 */
export async function recordView(record: MessageRecord, role: AuditRole, rules: PiiRules, budget: MaskBudget): Promise<AuditRecordView> {
  if (role === 'auditor_pii') return { ...record, body_view: 'raw' };
  return { ...record, ...(await maskedBodyPaced(record, rules, budget)) };
}

/** The views of a page or transaction, pausing between records too so one response does not hold the event loop. */
export async function recordViews(
  records: readonly MessageRecord[],
  role: AuditRole,
  rules: PiiRules,
  budget: MaskBudget,
): Promise<AuditRecordView[]> {
  const views: AuditRecordView[] = [];
  for (const record of records) {
    views.push(await recordView(record, role, rules, budget));
    await budget.pace();
  }
  return views;
}

/** The exact stored bytes (base64-encoded records decoded). */
export function storedBytes(record: MessageRecord): Buffer {
  return Buffer.from(record.raw_body, record.body_encoding === 'base64' ? 'base64' : 'utf8');
}
