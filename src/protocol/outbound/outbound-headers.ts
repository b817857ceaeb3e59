import { currentTraceCarrier } from '../../infra/tracing/index.js';

/**
 * Headers an outbox entry may not carry: the HTTP client owns the framing
 * ones, and the worker owns the gateway signature and trace context headers.
 */
const reservedHeaders = new Set([
  'traceparent',
  'tracestate',
  'connection',
  'content-length',
  'content-type',
  'host',
  'keep-alive',
  'proxy-authorization',
  'transfer-encoding',
  'upgrade',
  'x-gateway-authorization',
]);

const headerNamePattern = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const headerValuePattern = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Lower-cases names and refuses reserved or malformed headers (they would fail every attempt). */
export function normaliseExtraHeaders(headers: Record<string, string> = {}): Record<string, string> {
  const normalised: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (!headerNamePattern.test(name)) throw new RangeError(`extra header name ${JSON.stringify(rawName)} is not a valid HTTP token`);
    if (reservedHeaders.has(name)) throw new RangeError(`extra header ${name} is set by the delivery worker and may not be given`);
    if (name in normalised) throw new RangeError(`extra header ${name} is given twice`);
    if (typeof value !== 'string' || !headerValuePattern.test(value)) {
      throw new RangeError(`extra header ${name} must be a string without control characters`);
    }
    normalised[name] = value;
  }
  return normalised;
}

export interface SignedHeaders {
  headers: Record<string, string>;
  /** Where our signature went. */
  signatureHeader: 'authorization' | 'x-gateway-authorization';
}

/**
 * Our signature goes into `Authorization`, unless the entry already carries
 * one: then it is a sender's request the gateway forwards, whose signature
 * must reach the receiver unchanged, and ours goes into
 * `X-Gateway-Authorization` (BECKN-006).
 */
export function withSignature(extraHeaders: Record<string, string>, signature: string): SignedHeaders {
  const signatureHeader = 'authorization' in extraHeaders ? 'x-gateway-authorization' : 'authorization';
  return { headers: { ...extraHeaders, [signatureHeader]: signature }, signatureHeader };
}

/**
 * Adds the W3C `traceparent` (and `tracestate`) of the active span, so the
 * receiver continues our trace; the signature does not cover them. Unchanged
 * when nothing is traced. The HTTP instrumentation, when loaded, rewrites
 * them to name its client span, a child of this one.
 */
export function withTraceContext(signed: SignedHeaders): SignedHeaders {
  const carrier = currentTraceCarrier();
  return carrier ? { ...signed, headers: { ...signed.headers, ...carrier } } : signed;
}
