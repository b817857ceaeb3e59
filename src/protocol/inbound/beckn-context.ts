/** The context fields the pipeline reads (core 1.1.0; `core_version`/flat city tolerated for older senders). */
export interface BecknContext {
  domain?: string;
  action?: string;
  version?: string;
  core_version?: string;
  bap_id?: string;
  bap_uri?: string;
  bpp_id?: string;
  bpp_uri?: string;
  transaction_id?: string;
  message_id?: string;
  timestamp?: string;
  ttl?: string;
  city?: string;
  location?: { city?: { code?: string }; country?: { code?: string } };
}

export interface BecknEnvelope {
  context: BecknContext;
  message?: unknown;
  error?: unknown;
}

export function cityOf(context: BecknContext): string | undefined {
  return context.location?.city?.code ?? context.city;
}

/** Subscriber URLs compare without a trailing slash: `https://x/beckn/` and `https://x/beckn` are one address. */
export function sameUrl(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}
