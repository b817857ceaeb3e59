import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/infra/logging/logger.js';
import { fullJitterDelayMs } from '../../src/infra/backoff/index.js';
import {
  classifyOutcome,
  createBecknHttpClient,
  isRetryable,
  type BecknHttpClient,
  type HttpOutcome,
} from '../../src/protocol/outbound/index.js';

const logger = createLogger('silent');

interface Seen {
  method: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A local HTTP server whose handler each test sets; it records what arrived. */
async function startServer(handle: (request: Seen, response: ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { method: request.method ?? '', headers: request.headers, body: Buffer.concat(chunks) };
      seen.push(entry);
      handle(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const json = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
};

describe('Beckn HTTP client', function () {
  this.timeout(30_000);
  let client: BecknHttpClient;
  let closers: (() => Promise<void>)[] = [];

  beforeEach(() => {
    client = createBecknHttpClient({ timeoutMs: 2_000, logger, maxResponseBytes: 1_024 });
  });

  afterEach(async () => {
    client.close();
    for (const close of closers) await close();
    closers = [];
  });

  const serve = async (handle: (request: Seen, response: ServerResponse) => void) => {
    const server = await startServer(handle);
    closers.push(server.close);
    return server;
  };

  it('sends the body bytes unchanged with the given headers and reads the ack', async () => {
    const server = await serve((_, response) => json(response, 200, { message: { ack: { status: 'ACK' } } }));
    const body = Buffer.from('{"b": 2,   "a":"é"}\n', 'utf8');
    const outcome = await client.post(`${server.url}/on_search`, body, { authorization: 'Signature x' });

    assert.deepEqual(outcome, { kind: 'answered', status: 200, body: '{"message":{"ack":{"status":"ACK"}}}', ack: 'ACK' });
    const [request] = server.seen;
    assert.equal(request?.method, 'POST');
    assert.ok(request?.body.equals(body));
    assert.equal(request?.headers['content-type'], 'application/json');
    assert.equal(request?.headers.authorization, 'Signature x');
    assert.match(request?.headers['user-agent'] ?? '', /^beckn-ride\//);
  });

  it('returns error statuses as answers with the NACK error, reading numeric codes and `path`', async () => {
    const server = await serve((_, response) =>
      json(response, 401, { message: { ack: { status: 'NACK' } }, error: { type: 'POLICY-ERROR', code: 20001, path: 'context', message: 'bad sig' } }),
    );
    const outcome = await client.post(server.url, Buffer.from('{}'), {});
    assert.equal(outcome.kind, 'answered');
    assert.equal(outcome.kind === 'answered' && outcome.status, 401);
    assert.deepEqual(outcome.kind === 'answered' && outcome.error, { type: 'POLICY-ERROR', code: '20001', paths: 'context', message: 'bad sig' });
  });

  it('does not follow redirects', async () => {
    const server = await serve((_, response) => {
      response.writeHead(307, { location: '/elsewhere' });
      response.end();
    });
    const outcome = await client.post(server.url, Buffer.from('{}'), {});
    assert.equal(outcome.kind === 'answered' && outcome.status, 307);
    assert.equal(server.seen.length, 1);
    assert.equal(classifyOutcome(outcome).kind, 'dead');
  });

  it('fails an answer larger than the limit instead of buffering it', async () => {
    const server = await serve((_, response) => json(response, 200, 'x'.repeat(10_000)));
    const outcome = await client.post(server.url, Buffer.from('{}'), {});
    assert.equal(outcome.kind, 'failed');
    assert.match(outcome.kind === 'failed' ? outcome.error : '', /maxContentLength/);
  });

  it('fails with a timeout when the answer trickles in past the deadline', async () => {
    const server = await serve((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      // A byte every 300 ms keeps the socket busy; only the overall deadline ends it.
      const drip = setInterval(() => response.write(' '), 300);
      response.on('close', () => clearInterval(drip));
    });
    const slow = createBecknHttpClient({ timeoutMs: 1_000, logger });
    const started = Date.now();
    const outcome = await slow.post(server.url, Buffer.from('{}'), {});
    slow.close();
    assert.deepEqual(outcome, { kind: 'failed', error: 'timeout after 1000 ms' });
    assert.ok(Date.now() - started < 10_000);
  });

  it('never throws: an unusable URL is a failed outcome', async () => {
    const outcome = await client.post('http://127.0.0.1:0/x', Buffer.from('{}'), {});
    assert.equal(outcome.kind, 'failed');
  });
});

describe('delivery verdicts', () => {
  const answered = (status: number, body: unknown): HttpOutcome => {
    const text = JSON.stringify(body);
    const ack = (body as { message?: { ack?: { status?: string } } }).message?.ack?.status;
    const error = (body as { error?: { code: string } }).error;
    return { kind: 'answered', status, body: text, ack: ack === 'ACK' || ack === 'NACK' ? ack : null, ...(error ? { error } : {}) };
  };
  const ackBody = { message: { ack: { status: 'ACK' } } };
  const nackBody = (code: string) => ({ message: { ack: { status: 'NACK' } }, error: { code } });

  it('delivers on a 2xx ACK', () => {
    assert.deepEqual(classifyOutcome(answered(200, ackBody)), { kind: 'delivered', httpStatus: 200 });
    assert.deepEqual(classifyOutcome(answered(202, ackBody)), { kind: 'delivered', httpStatus: 202 });
  });

  it('retries connection failures, timeouts, 5xx, 408, 429 and a 2xx without an ack', () => {
    for (const outcome of [
      { kind: 'failed', error: 'ECONNREFUSED: connect ECONNREFUSED' } as const,
      { kind: 'failed', error: 'timeout after 1000 ms' } as const,
      answered(500, nackBody('31001')),
      answered(503, 'down'),
      answered(408, {}),
      answered(429, nackBody('429')),
      answered(200, '<html>proxy page</html>'),
    ]) {
      assert.equal(isRetryable(outcome), true, JSON.stringify(outcome));
    }
  });

  it('gives up at once on a NACK or another 3xx/4xx, naming the code', () => {
    assert.deepEqual(classifyOutcome(answered(400, nackBody('30000'))), {
      kind: 'dead',
      reason: 'NACK 30000',
      error: 'HTTP 400 NACK 30000',
      httpStatus: 400,
    });
    const nackedWith200 = classifyOutcome(answered(200, nackBody('30016')));
    assert.equal(nackedWith200.kind === 'dead' && nackedWith200.reason, 'NACK 30016');
    const notFound = classifyOutcome(answered(404, 'no such route'));
    assert.equal(notFound.kind === 'dead' && notFound.reason, 'HTTP 404');
  });
});

describe('full-jitter backoff', () => {
  it('draws delays from [0, min(max, base * 2^(attempt-1)))', () => {
    const options = { baseBackoffMs: 100, maxBackoffMs: 1_000 };
    assert.equal(fullJitterDelayMs(3, options, () => 0), 0);
    assert.equal(fullJitterDelayMs(1, options, () => 0.999_999), 99);
    assert.equal(fullJitterDelayMs(3, options, () => 0.999_999), 399);
    assert.equal(fullJitterDelayMs(10, options, () => 0.999_999), 999, 'capped at maxBackoffMs');
    const samples = Array.from({ length: 500 }, () => fullJitterDelayMs(4, options));
    assert.ok(samples.every((delay) => delay >= 0 && delay < 800));
    assert.ok(new Set(samples).size > 50, 'delays are spread, not fixed');
  });
});
