/** The context ids of an outbound body, each null when absent or not a string. */
export interface BodyContext {
  transactionId: string | null;
  messageId: string | null;
  domain: string | null;
  city: string | null;
  bapId: string | null;
  bppId: string | null;
}

const emptyContext: BodyContext = {
  transactionId: null,
  messageId: null,
  domain: null,
  city: null,
  bapId: null,
  bppId: null,
};

function field(source: unknown, key: string): unknown {
  return typeof source === 'object' && source !== null ? (source as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * Reads `context` from the body for logging and bookkeeping. Bodies are ours
 * and normally valid, but a body that is not JSON still gets delivered and
 * logged, so this never throws. City is core 1.1's `location.city.code`, or
 * the flat `city` of older senders.
 */
export function readBodyContext(body: Uint8Array): BodyContext {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return emptyContext;
  }
  const context = field(parsed, 'context');
  return {
    transactionId: text(field(context, 'transaction_id')),
    messageId: text(field(context, 'message_id')),
    domain: text(field(context, 'domain')),
    city: text(field(field(field(context, 'location'), 'city'), 'code')) ?? text(field(context, 'city')),
    bapId: text(field(context, 'bap_id')),
    bppId: text(field(context, 'bpp_id')),
  };
}
