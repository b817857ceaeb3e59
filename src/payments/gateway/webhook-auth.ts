/**
 * How a gateway authenticates its webhooks, configured per gateway.
 * `basic` is Juspay's: the merchant sets a username and password on the
 * dashboard and every webhook carries them as HTTP Basic credentials.
 * `hmac` is for gateways that sign (see webhook-signature.ts).
 */
export type WebhookAuth =
  | { scheme: 'basic'; username: string; password: string }
  | {
      scheme: 'hmac';
      secret: string;
      /** How far a signature's timestamp may be from our clock, either way; 300 s unless given. */
      toleranceSeconds?: number;
    };

/** Milliseconds since the epoch; injected so tests can move time. */
export type Clock = () => number;
