/** What init and confirm read from the BAP's order; the inbound pipeline validated its shape already. */
export interface OrderRequest {
  itemId: string | null;
  payment: Record<string, unknown> | null;
  /** The rider the order's fulfillment names (person, contact), echoed back in every order after. */
  customer: Record<string, unknown> | null;
}

export function readOrderRequest(message: unknown): OrderRequest {
  const order = (message as { order?: { items?: { id?: unknown }[]; payments?: unknown[]; fulfillments?: { customer?: unknown }[] } } | null)?.order;
  const customer = Array.isArray(order?.fulfillments) ? order.fulfillments[0]?.customer : undefined;
  const id = Array.isArray(order?.items) ? order.items[0]?.id : undefined;
  const payment = Array.isArray(order?.payments) ? order.payments[0] : undefined;
  return {
    itemId: typeof id === 'string' && id.length > 0 ? id : null,
    payment: typeof payment === 'object' && payment !== null ? (payment as Record<string, unknown>) : null,
    customer: typeof customer === 'object' && customer !== null && !Array.isArray(customer) ? (customer as Record<string, unknown>) : null,
  };
}

/** Error codes init and confirm answer with (BECKN-005 and ONDC:TRV10). */
export const BOOKING_ERRORS = {
  invalidRequest: '30000',
  itemNotFound: '30004',
  businessError: '40000',
  paymentNotSupported: '40004',
  driverNotAssigned: '90203',
} as const;
