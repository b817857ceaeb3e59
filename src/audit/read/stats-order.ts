import type { AuditStats } from './audit-store.js';

const byText = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1);

/** One order for both stores: actions and counterparts by name (unknown last), NACK codes most frequent first. */
export function sortStats(stats: AuditStats): AuditStats {
  return {
    ...stats,
    by_action: [...stats.by_action].sort((a, b) => byText(a.action, b.action) || byText(a.status, b.status)),
    nack_codes: [...stats.nack_codes].sort((a, b) => b.count - a.count || byText(a.code, b.code)),
    counterparts: [...stats.counterparts].sort((a, b) => byText(a.counterpart, b.counterpart)),
  };
}
