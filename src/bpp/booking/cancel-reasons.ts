/** Who gives a cancellation reason: the rider (through the BAP's cancel) or the driver (through the driver app). */
export type CancelledBy = 'RIDER' | 'DRIVER';

type ReasonTable = Readonly<Record<string, readonly CancelledBy[]>>;

/** ONDC:TRV10 cancellation_reason_id (its enum list for cancel), with who may give each. */
const ondcReasons: ReasonTable = {
  '000': ['RIDER', 'DRIVER'], // technical cancellation
  '001': ['RIDER'], // driver not moving
  '002': ['RIDER'], // unable to contact the driver
  '003': ['RIDER'], // driver asked to cancel
  '004': ['RIDER'], // pickup location is incorrect
  '005': ['RIDER'], // booked by mistake
  '011': ['DRIVER'], // no drivers available
  '012': ['DRIVER'], // rider not at the pickup
  '013': ['DRIVER'], // driver accepted by mistake
  '014': ['DRIVER'], // unable to contact the rider
};

/** The Beckn mobility meta list (cancellation_reasons, ids 1 to 7) nic2004:60221 riders choose from. */
const mobilityReasons: ReasonTable = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((id) => [id, ['RIDER'] as const]));

/** True when `id` is a reason `by` may give in `domain`. */
export function isCancellationReason(domain: string, by: CancelledBy, id: string): boolean {
  const table = domain === 'ONDC:TRV10' ? ondcReasons : mobilityReasons;
  return Object.hasOwn(table, id) && (table[id] ?? []).includes(by);
}

/** The driver app's reason codes: the ONDC provider-side ids, whatever domain the booking came through. */
export const driverReasonCodes: readonly string[] = Object.keys(ondcReasons).filter((id) => ondcReasons[id]?.includes('DRIVER'));

/**
 * Driver reasons another driver can make good: a driver who accepted by
 * mistake (013) or whose app failed (000) leaves a rider another driver can
 * still pick up, so before the pickup the booking is offered to other
 * drivers. The others (011 no drivers available, 012 rider not at the
 * pickup, 014 rider unreachable) say no driver would help: the booking is
 * cancelled.
 */
const reallocatingReasons: ReadonlySet<string> = new Set(['000', '013']);

export function reallocatesOnDriverCancel(reasonCode: string): boolean {
  return reallocatingReasons.has(reasonCode);
}
