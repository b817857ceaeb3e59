import { MOBILITY_DOMAIN } from './fulfillment-states.js';

/**
 * Order status (`order.status`) in the vocabularies beckn-ride speaks. The
 * ONDC:TRV10 values are canonical: ACTIVE, COMPLETED, CANCELLED and the
 * two-step cancel's SOFT_CANCEL and CONFIRM_CANCEL (PROFILE.md). Core 1.1.0,
 * which nic2004:60221 keeps, allows ACTIVE, COMPLETE and CANCELLED only.
 */
export const ONDC_ORDER_STATUSES = ['ACTIVE', 'COMPLETED', 'CANCELLED', 'SOFT_CANCEL', 'CONFIRM_CANCEL'] as const;
export type OndcOrderStatus = (typeof ONDC_ORDER_STATUSES)[number];

/**
 * Core names: a soft cancel only quotes the fee and changes nothing, so the
 * order it shows is still ACTIVE; a confirmed cancel is CANCELLED.
 */
const coreNames: Readonly<Record<OndcOrderStatus, string>> = {
  ACTIVE: 'ACTIVE',
  COMPLETED: 'COMPLETE',
  CANCELLED: 'CANCELLED',
  SOFT_CANCEL: 'ACTIVE',
  CONFIRM_CANCEL: 'CANCELLED',
};

const vocabularies: Readonly<Record<string, Readonly<Record<OndcOrderStatus, string>>>> = { [MOBILITY_DOMAIN]: coreNames };

/** The order status a message of `domain` carries for an ONDC one. */
export function toDomainOrderStatus(domain: string | undefined, status: OndcOrderStatus): string {
  return (domain !== undefined ? vocabularies[domain]?.[status] : undefined) ?? status;
}

/** The ONDC order status a received one names, in either vocabulary and any case (COMPLETE reads as COMPLETED); null if unknown. */
export function fromDomainOrderStatus(_domain: string | undefined, status: unknown): OndcOrderStatus | null {
  if (typeof status !== 'string') return null;
  const upper = status.trim().toUpperCase();
  if (upper === 'COMPLETE') return 'COMPLETED';
  return (ONDC_ORDER_STATUSES as readonly string[]).includes(upper) ? (upper as OndcOrderStatus) : null;
}
