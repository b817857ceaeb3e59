import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createSigner,
  generateSigningKeyPair,
  parseAuthorizationHeader,
  verifyParsedAuthorization,
  type SignatureVerdict,
  type Signer,
} from '../../src/protocol/signing/index.js';

/** A signer for `subscriberId` with a fresh key. */
export const signerFor = (subscriberId: string): Signer =>
  createSigner({ subscriberId, uniqueKeyId: `${subscriberId}-k1`, privateKey: generateSigningKeyPair().privateKeySeed });

/** The signers' public keys by subscriber id, as a receiver checks signatures against them. */
export const keysOf = (signers: Signer[]): Map<string, string> => new Map(signers.map((signer) => [signer.subscriberId, signer.publicKey]));

/** What the receiver does with the n-th (1-based) request it gets. */
export type Answer = { status: number; body: unknown } | 'hang';

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  receivedAt: number;
  /** The receiver's own check of each signature header against the registered keys. */
  authorization: SignatureVerdict | 'absent';
  gatewayAuthorization: SignatureVerdict | 'absent';
}

export interface Receiver {
  url: string;
  received: Received[];
  answer: (request: Received, count: number) => Answer;
  close(): Promise<void>;
}

export const ack = { message: { ack: { status: 'ACK' } } };

export function nack(code: string, message: string) {
  return { message: { ack: { status: 'NACK' } }, error: { type: 'CONTEXT-ERROR', code, message } };
}

function verdictOf(header: string | string[] | undefined, body: Buffer, keys: Map<string, string>): SignatureVerdict | 'absent' {
  if (typeof header !== 'string') return 'absent';
  try {
    const params = parseAuthorizationHeader(header);
    const publicKey = keys.get(params.subscriberId);
    if (publicKey === undefined) return { ok: false, reason: 'BAD_SIGNATURE', detail: `unknown signer ${params.subscriberId}` };
    return verifyParsedAuthorization(params, body, publicKey);
  } catch (error) {
    return { ok: false, reason: 'MALFORMED_HEADER', detail: (error as Error).message };
  }
}

/**
 * A Beckn participant on a local port: it records every request with the raw
 * bytes received, verifies signatures against `keys` (subscriber id → public
 * key) like a real receiver, and answers as `answer` says.
 */
export async function startReceiver(keys: Map<string, string>, answer: Receiver['answer']): Promise<Receiver> {
  const received: Received[] = [];
  const receiver: Receiver = { url: '', received, answer, close: async () => undefined };
  const handle = (request: IncomingMessage, response: ServerResponse, body: Buffer) => {
    const entry: Received = {
      path: request.url ?? '',
      headers: request.headers,
      body,
      receivedAt: Date.now(),
      authorization: verdictOf(request.headers.authorization, body, keys),
      gatewayAuthorization: verdictOf(request.headers['x-gateway-authorization'], body, keys),
    };
    received.push(entry);
    const reply = receiver.answer(entry, received.length);
    if (reply === 'hang') return;
    response.writeHead(reply.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(reply.body));
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, response, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

/** A URL on which nothing listens: the port was just bound and released. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * A body in a layout JSON.stringify would not produce (spacing, key order,
 * non-ASCII), so any re-serialisation on the way out shows as changed bytes.
 */
export function becknBody(action: string, ids: { transactionId: string; messageId: string }): Buffer {
  return Buffer.from(
    `{ "context" : {"domain":"ONDC:TRV10", "action":"${action}", "version":"2.0.1",` +
      ` "location":{"city":{"code":"std:080"},"country":{"code":"IND"}},` +
      ` "bap_id":"bap.test.beckn-ride", "bap_uri":"http://bap.test/beckn",` +
      ` "bpp_id":"bpp.test.beckn-ride", "bpp_uri":"http://bpp.test/beckn",` +
      ` "transaction_id":"${ids.transactionId}", "message_id":"${ids.messageId}",` +
      ` "timestamp":"2025-01-01T10:00:00.000Z", "ttl":"PT30S"},\n` +
      `  "message": {"note": "Café ☕ — 1.50\\u20ac", "n": 1.0} }`,
    'utf8',
  );
}
