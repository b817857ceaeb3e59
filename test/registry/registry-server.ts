import express from 'express';
import type { Sequelize } from 'sequelize';
import { createRegistry, type Registry, type RegistryOptions } from '../../registry/index.js';
import { drain, errorHandler, jsonBody, listen, mountRoutes, requireJsonBody, unknownRoute } from '../../src/infra/http/index.js';
import type { Logger } from '../../src/infra/logging/logger.js';
import { createSequelize, runMigrations } from '../../src/infra/postgres/index.js';
import { SchemaRegistry } from '../../src/infra/validation/index.js';
import { serverBackend, type FreshDatabase } from '../infra/postgres-backends.js';

export interface RegistryServer {
  registry: Registry;
  sequelize: Sequelize;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * The registry on a migrated database of its own, its routes served over
 * real HTTP on a free port through the same edge pieces as the service.
 */
export async function startRegistryServer(
  logger: Logger,
  options: Omit<RegistryOptions, 'sequelize' | 'logger'>,
): Promise<RegistryServer> {
  const database: FreshDatabase = await serverBackend().freshDatabase();
  const sequelize = createSequelize({ url: database.url, logger, poolMax: 4, applicationName: 'beckn-ride-test-registry' });
  try {
    await runMigrations({ sequelize, logger });
    const registry = createRegistry({ sequelize, logger, ...options });
    const app = express();
    app.use(requireJsonBody);
    app.use(jsonBody(1024 * 1024));
    mountRoutes(app, registry.routes, { body: new SchemaRegistry(), query: new SchemaRegistry({ coerceTypes: true }) });
    app.use(unknownRoute(registry.routes));
    app.use(errorHandler(logger));
    const { server, port } = await listen(app, 0, '127.0.0.1');
    return {
      registry,
      sequelize,
      baseUrl: `http://127.0.0.1:${port}`,
      close: async () => {
        await drain(server, 5_000);
        await registry.idle();
        await sequelize.close();
        await database.dispose();
      },
    };
  } catch (error) {
    await sequelize.close();
    await database.dispose();
    throw error;
  }
}

/** POSTs exact body bytes (signatures cover bytes) and reads the JSON answer. */
export async function postJson(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as any };
}
