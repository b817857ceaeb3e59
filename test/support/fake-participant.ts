import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSigner, type Signer } from '../../src/protocol/signing/index.js';

export interface ReceivedMessage {
  action: string;
  headers: IncomingMessage['headers'];
  raw: Buffer;
  body: { context: Record<string, unknown>; message?: unknown; error?: unknown };
}

export interface FakeParticipant {
  subscriberId: string;
  uniqueKeyId: string;
  type: 'BAP' | 'BPP' | 'BG';
  /** Its subscriber_url: `{base}/beckn` — actions are POSTed to `{url}/{action}`. */
  url: string;
  publicKey: string;
  signer: Signer;
  received: ReceivedMessage[];
  /** What it answers; ACK with 200 unless a test replaces it. */
  respond: (message: ReceivedMessage) => { status: number; body: unknown };
  registryRecord(extra?: Record<string, unknown>): Record<string, unknown>;
  /** Signs `body` and POSTs it to `url`; returns status, parsed answer and headers. */
  post(url: string, body: unknown, options?: { raw?: Buffer; headers?: Record<string, string>; sign?: boolean }): Promise<{ status: number; body: any; headers: Headers }>;
  waitFor(predicate: (message: ReceivedMessage) => boolean, timeoutMs?: number): Promise<ReceivedMessage>;
  /** Closes its HTTP server and every open connection: its endpoint refuses connections until `listenAgain`. */
  stopListening(): Promise<void>;
  /** Listens again on the same port, so its subscriber_url works again. */
  listenAgain(): Promise<void>;
  close(): Promise<void>;
}

const ack = { message: { ack: { status: 'ACK' } } };

/**
 * Another network participant played by the test: its own key pair, its own
 * HTTP server receiving Beckn messages, and a signer for what it sends.
 */
export async function startFakeParticipant(type: 'BAP' | 'BPP' | 'BG', label: string): Promise<FakeParticipant> {
  const seed = randomBytes(32).toString('base64');
  const subscriberId = `${label}.test.${randomBytes(3).toString('hex')}`;
  const uniqueKeyId = `${label}-key`;
  const signer = createSigner({ subscriberId, uniqueKeyId, privateKey: seed });
  const received: ReceivedMessage[] = [];
  const waiters = new Set<() => void>();

  const participant = {} as FakeParticipant;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const message: ReceivedMessage = { action: (req.url ?? '').split('/').pop() ?? '', headers: req.headers, raw, body: JSON.parse(raw.toString('utf8')) };
      received.push(message);
      for (const wake of waiters) wake();
      const answer = participant.respond(message);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/beckn`;

  Object.assign(participant, {
    subscriberId,
    uniqueKeyId,
    type,
    url,
    publicKey: signer.publicKey,
    signer,
    received,
    respond: () => ({ status: 200, body: ack }),
    registryRecord: (extra = {}) => ({
      subscriber_id: subscriberId,
      unique_key_id: uniqueKeyId,
      type,
      subscriber_url: url,
      signing_public_key: signer.publicKey,
      valid_from: new Date(Date.now() - 3_600_000).toISOString(),
      valid_until: new Date(Date.now() + 86_400_000).toISOString(),
      status: 'SUBSCRIBED',
      ...extra,
    }),
    async post(target: string, body: unknown, options: { raw?: Buffer; headers?: Record<string, string>; sign?: boolean } = {}) {
      const raw = options.raw ?? Buffer.from(JSON.stringify(body), 'utf8');
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(options.sign === false ? {} : { authorization: signer.sign(raw) }), ...options.headers };
      const response = await fetch(target, { method: 'POST', body: raw, headers });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: the raw text is the answer.
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    waitFor(predicate: (message: ReceivedMessage) => boolean, timeoutMs = 15_000) {
      return new Promise<ReceivedMessage>((resolve, reject) => {
        const check = () => {
          const found = received.find(predicate);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${subscriberId} received no matching message in ${timeoutMs} ms (got ${received.map((m) => m.action).join(', ')})`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    stopListening: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    listenAgain: () => new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    }),
    close: () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
  });
  return participant;
}
