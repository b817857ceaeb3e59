import { randomBytes } from 'node:crypto';
import express from 'express';
import type { Sequelize } from 'sequelize';
import { defineBppModels, operatorRoutes } from '../../src/bpp/index.js';
import { createFieldCipher, type FieldCipher } from '../../src/infra/crypto/field-cipher.js';
import { drain, errorHandler, jsonBody, listen, mountRoutes, requireJsonBody, unknownRoute } from '../../src/infra/http/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createSequelize, runMigrations } from '../../src/infra/postgres/index.js';
import { SchemaRegistry } from '../../src/infra/validation/index.js';
import { freshServerDatabase } from '../support/fresh-database.js';

export interface OperatorServer {
  baseUrl: string;
  adminToken: string;
  cipher: FieldCipher;
  sequelize: Sequelize;
  /** Sends JSON with the admin token unless `token` says otherwise (null: no Authorization header). */
  call(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** The operator API on a freshly migrated database of its own, over real HTTP on a free port. */
export async function startOperatorServer(): Promise<OperatorServer> {
  const logger = createLogger('silent');
  const database = await freshServerDatabase('bpp');
  const sequelize = createSequelize({ url: database.url, logger, poolMax: 4, applicationName: 'beckn-ride-test-bpp' });
  try {
    await runMigrations({ sequelize, logger });
    const adminToken = randomBytes(24).toString('base64url');
    const cipher = createFieldCipher(randomBytes(32).toString('base64'));
    const routes = operatorRoutes({ models: defineBppModels(sequelize), sequelize, adminToken, cipher });
    const app = express();
    app.use(requireJsonBody);
    app.use(jsonBody(1024 * 1024));
    mountRoutes(app, routes, { body: new SchemaRegistry(), query: new SchemaRegistry({ coerceTypes: true }) });
    app.use(unknownRoute(routes));
    app.use(errorHandler(logger));
    const { server, port } = await listen(app, 0, '127.0.0.1');
    const baseUrl = `http://127.0.0.1:${port}`;
    return {
      baseUrl,
      adminToken,
      cipher,
      sequelize,
      call: async (method, path, body, token = adminToken) => {
        const headers: Record<string, string> = {};
        if (body !== undefined) headers['content-type'] = 'application/json';
        if (token !== null) headers.authorization = `Bearer ${token}`;
        const response = await fetch(baseUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
        const text = await response.text();
        return { status: response.status, body: text === '' ? null : JSON.parse(text) };
      },
      close: async () => {
        await drain(server, 5_000);
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
