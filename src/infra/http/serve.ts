import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Application } from 'express';

/** Starts listening and resolves with the server and the port it got (useful with port 0). */
export function listen(app: Application, port: number, host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}

/**
 * Stops accepting connections and resolves once every in-flight request has
 * been answered; past `timeoutMs` it cuts the remaining connections and
 * resolves false.
 */
export function drain(server: Server, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve(false);
    }, timeoutMs);
    server.close(() => {
      clearTimeout(timer);
      resolve(true);
    });
    server.closeIdleConnections();
  });
}
