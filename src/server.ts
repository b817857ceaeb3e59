import type { Server } from 'node:http';
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
 * Builds the context and the app, lets the caller register domain handlers
 * (then registers the provider side's for the actions left), starts the
 * background workers and listens.
 */
export async function startServer(config: Config, logger: Logger, beforeStart?: (ctx: AppContext) => void): Promise<RunningServer> {
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
