import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A round-robin HTTP proxy in front of replicas, and how many requests it sent to each. */
export interface RoundRobinProxy {
  url: string;
  /** Requests forwarded to each replica, in the order of `targets`. */
  hits: number[];
  /** Requests answered 502 because the replica could not be reached. */
  failures: number;
  close(): Promise<void>;
}

/**
 * Forwards each request to the next replica in turn: method, path, headers and
 * the raw body byte for byte; the answer comes back the same way (streamed, so
 * server-sent events pass too).
 */
export async function startRoundRobinProxy(targets: readonly string[]): Promise<RoundRobinProxy> {
  // A fresh connection per request: a reused idle one may be closed by the replica just as a request goes out (ECONNRESET).
  const agent = new http.Agent({ keepAlive: false });
  const hits = targets.map(() => 0);
  let next = 0;
  let failures = 0;
  const server = http.createServer((req, res) => {
    const index = next;
    next = (next + 1) % targets.length;
    hits[index] = (hits[index] ?? 0) + 1;
    const target = new URL(targets[index] as string);
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      failures += 1;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'BAD_GATEWAY', message: String(error) } }));
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    get failures() {
      return failures;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
