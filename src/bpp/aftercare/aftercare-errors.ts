/**
 * Error codes the after-confirmation handlers (status, track, cancel,
 * rating, support, update) answer with. Most are shared by ONDC-RFC-001 and
 * BECKN-005; where the two lists give a number different meanings, the
 * code follows the request's domain: ONDC:TRV10 gets ONDC's, the Beckn
 * mobility domain BECKN-005's (PROFILE.md).
 */
export const AFTERCARE_ERRORS = {
  invalidRequest: '30000',
  invalidRatingValue: '30015',
  businessError: '40000',
  featureNotSupported: '40001',
  unsupportedRatingCategory: '50003',
  supportUnavailable: '50004',
} as const;

interface DomainCodes {
  /** The order id names no confirmed order of this BAP. */
  orderNotFound: string;
  /** The rating's id names nothing we can rate. */
  rateeNotFound: string;
  /** The ride has ended or was cancelled: its fulfillment can no longer change. */
  updateNotPossible: string;
  /** A cancellation reason the rider may not give (ONDC lists no code of its own for it: invalid request). */
  invalidCancelReason: string;
}

const ondc: DomainCodes = { orderNotFound: '30018', rateeNotFound: '30018', updateNotPossible: '50008', invalidCancelReason: '30000' };
const beckn: DomainCodes = { orderNotFound: '30010', rateeNotFound: '30014', updateNotPossible: '50002', invalidCancelReason: '30011' };

export function domainCodes(domain: string | undefined): DomainCodes {
  return domain === 'ONDC:TRV10' ? ondc : beckn;
}
