import { createHmac } from 'node:crypto';

/**
 * The signing scheme for gateways that sign their webhooks: the header
 * `x-webhook-signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
 * `${t}.${rawBody}`. Binding the timestamp into the MAC lets the receiver
 * refuse an old delivery replayed with a fresh timestamp.
 */
export const signatureHeader = 'x-webhook-signature';

export function webhookSignature(secret: string, timestampSeconds: number, rawBody: Buffer): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest('hex');
}

export function signatureHeaderValue(secret: string, timestampSeconds: number, rawBody: Buffer): string {
  return `t=${timestampSeconds},v1=${webhookSignature(secret, timestampSeconds, rawBody)}`;
}

/** Splits the header into its timestamp and signature; undefined when either is missing or malformed. */
export function parseSignatureHeader(value: string): { timestampSeconds: number; signature: string } | undefined {
  const fields = new Map(value.split(',').map((part) => part.trim().split('=', 2) as [string, string | undefined]));
  const timestamp = fields.get('t');
  const signature = fields.get('v1');
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !signature || !/^[0-9a-f]{64}$/.test(signature)) return undefined;
  return { timestampSeconds: Number(timestamp), signature };
}
