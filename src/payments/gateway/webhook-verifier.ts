import { timingSafeEqual } from 'node:crypto';
import { sameSecret } from './constant-time.js';
import type { GatewayEvent, SeenEvents, WebhookHeaders, WebhookVerdict } from './payment-gateway.js';
import { parseSignatureHeader, signatureHeader, webhookSignature } from './webhook-signature.js';
import type { Clock, WebhookAuth } from './webhook-auth.js';
import { readPayoutStatus, readTransactionStatus } from './juspay-wire.js';

export interface WebhookVerifierOptions {
  auth: WebhookAuth;
  /**
   * Replay refusal inside verification. Leave it out when the caller records
   * the event id in the transaction that applies the event (the Postgres
   * path): then an event whose effect rolled back is not remembered either,
   * and the caller answers the replay itself.
   */
  seenEvents?: SeenEvents;
  clock?: Clock;
}

const defaultToleranceSeconds = 300;

function header(headers: WebhookHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? undefined : value;
}

function basicCredentialsMatch(headers: WebhookHeaders, username: string, password: string): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header(headers, 'authorization') ?? '');
  const decoded = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const given = colon < 0 ? { username: '', password: '' } : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  // Both compared every time, so the time taken does not tell which one was wrong.
  const usernameOk = sameSecret(given.username, username);
  const passwordOk = sameSecret(given.password, password);
  return colon >= 0 && usernameOk && passwordOk;
}

type Freshness = 'ok' | 'forged' | 'stale';

function signatureFreshness(headers: WebhookHeaders, rawBody: Buffer, secret: string, toleranceSeconds: number, now: number): Freshness {
  const parsed = parseSignatureHeader(header(headers, signatureHeader) ?? '');
  if (!parsed) return 'forged';
  const expected = Buffer.from(webhookSignature(secret, parsed.timestampSeconds, rawBody), 'hex');
  if (!timingSafeEqual(Buffer.from(parsed.signature, 'hex'), expected)) return 'forged';
  // Checked after the MAC, so only the gateway's own old deliveries are called stale.
  return Math.abs(now / 1000 - parsed.timestampSeconds) > toleranceSeconds ? 'stale' : 'ok';
}

function parseEvent(rawBody: Buffer): GatewayEvent | undefined {
  try {
    const rawJson = rawBody.toString('utf8');
    const body = JSON.parse(rawJson) as { id?: unknown; event_name?: unknown; content?: { order?: Record<string, unknown>; payout?: Record<string, unknown> } };
    if (typeof body.id !== 'string' || body.id === '' || typeof body.event_name !== 'string') return undefined;
    const { order, payout } = body.content ?? {};
    if (order && typeof order.order_id === 'string') {
      return { eventId: body.id, eventName: body.event_name, subject: { kind: 'order', orderId: order.order_id, status: readTransactionStatus(order.status) }, rawJson };
    }
    if (payout && typeof payout.orderId === 'string') {
      return { eventId: body.id, eventName: body.event_name, subject: { kind: 'payout', payoutOrderId: payout.orderId, status: readPayoutStatus(payout.status) }, rawJson };
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a webhook in the order that leaks least: authenticity first
 * (Basic credentials or HMAC), then freshness (signed scheme only), then the
 * body, and the event id is recorded last, so a forged or stale delivery
 * never burns the id of a genuine event. A replay is refused even when
 * authentic: the gateway's redelivery of an event already handled changes
 * nothing either way.
 */
export function createWebhookVerifier(options: WebhookVerifierOptions): (headers: WebhookHeaders, rawBody: Buffer) => Promise<WebhookVerdict> {
  const { auth, seenEvents } = options;
  const clock = options.clock ?? Date.now;
  return async (headers, rawBody) => {
    if (auth.scheme === 'basic') {
      if (!basicCredentialsMatch(headers, auth.username, auth.password)) return { ok: false, reason: 'forged' };
    } else {
      const freshness = signatureFreshness(headers, rawBody, auth.secret, auth.toleranceSeconds ?? defaultToleranceSeconds, clock());
      if (freshness !== 'ok') return { ok: false, reason: freshness };
    }
    const event = parseEvent(rawBody);
    if (!event) return { ok: false, reason: 'malformed' };
    if (seenEvents && (await seenEvents.seenEvent(event.eventId))) return { ok: false, reason: 'replayed' };
    return { ok: true, event };
  };
}
