import type { HttpOutcome } from './beckn-http-client.js';

/** What one delivery attempt means for its outbox entry. */
export type DeliveryVerdict =
  | { kind: 'delivered'; httpStatus: number }
  | { kind: 'retry'; error: string; httpStatus: number | null }
  | { kind: 'dead'; reason: string; error: string; httpStatus: number };

function describeAnswer(outcome: Extract<HttpOutcome, { kind: 'answered' }>): string {
  const parts = [`HTTP ${outcome.status}`];
  if (outcome.ack === 'NACK') parts.push(`NACK ${outcome.error?.code ?? '(no code)'}`);
  const message = outcome.error?.message;
  return message ? `${parts.join(' ')}: ${message}` : parts.join(' ');
}

/**
 * Connection failures, timeouts, 5xx, 408 and 429 are worth another try. A
 * 2xx ACK is delivered. A NACK or any other 3xx/4xx will be refused again, so
 * the entry dies at once. A 2xx without a readable ack (an HTML error page
 * from a proxy, say) proves nothing was accepted, so it is retried.
 */
export function classifyOutcome(outcome: HttpOutcome): DeliveryVerdict {
  if (outcome.kind === 'failed') return { kind: 'retry', error: outcome.error, httpStatus: null };
  const { status, ack } = outcome;
  const error = describeAnswer(outcome);
  if (status >= 500 || status === 408 || status === 429) return { kind: 'retry', error, httpStatus: status };
  if (status >= 200 && status < 300) {
    if (ack === 'ACK') return { kind: 'delivered', httpStatus: status };
    if (ack === null) return { kind: 'retry', error: `${error} without an ACK body`, httpStatus: status };
  }
  const reason = ack === 'NACK' ? `NACK ${outcome.error?.code ?? '(no code)'}` : `HTTP ${status}`;
  return { kind: 'dead', reason, error, httpStatus: status };
}

export function isRetryable(outcome: HttpOutcome): boolean {
  return classifyOutcome(outcome).kind === 'retry';
}
