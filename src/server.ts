import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.js';
import { registerBap } from './bap/index.js';
import { registerBpp } from './bpp/index.js';
import type { Config } from './config/index.js';
import { createContext, type AppContext } from './context.js';
import { drain, listen } from './infra/http/index.js';
import type { Logger } from './infra/logging/logger.js';

export interface RunningServer {
  ctx: AppContext;
  server: Server;
  port: number;
  /** Readiness off, drain in-flight requests, close everything; resolves whether the drain finished in time. */
  shutdown(): Promise<boolean>;
}

/**
 * With PORT=0 and no PUBLIC_URL the Beckn roles would register
 * http://HOST:0, which nobody can call back: the port is picked first (the
 * system's choice, released at once and listened on right after), so the
 * registered URLs name the port the service really gets.
 */
async function withConcretePort(config: Config): Promise<Config> {
  const { host, port, publicUrl } = config.http;
  if (port !== 0 || publicUrl !== `http://${host}:0`) return config;
  const picked = await new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port: free } = probe.address() as AddressInfo;
      probe.close(() => resolve(free));
    });
  });
  return Object.freeze({ ...config, http: Object.freeze({ ...config.http, port: picked, publicUrl: `http://${host}:${picked}` }) });
}

/**
 * Builds the context and the app, lets the caller register domain handlers
 * (then registers the provider side's for the actions left), starts the
 * background workers and listens.
 */
export async function startServer(configured: Config, logger: Logger, beforeStart?: (ctx: AppContext) => void): Promise<RunningServer> {
  const config = await withConcretePort(configured);
  const ctx = await createContext(config, logger);
  const { app } = buildApp(ctx);
  beforeStart?.(ctx);
  registerBpp(ctx);
  registerBap(ctx, ctx.bap);
  ctx.start();
  const { server, port } = await listen(app, config.http.port, config.http.host);
  return {
    ctx,
    server,
    port,
    async shutdown() {
      ctx.lifecycle.draining = true;
      const drained = await drain(server, Math.floor(config.http.shutdownTimeoutMs * 0.6));
      await ctx.destroy();
      return drained;
    },
  };
}
