import express from 'express';
import { drain, listen } from '../src/infra/http/index.js';

export interface BaselineServer {
  /** The endpoint the load generator posts to. */
  url: string;
  close(): Promise<void>;
}

const ack = { message: { ack: { status: 'ACK' } } };

/**
 * The floor the pipeline is compared with: the same express, the same body
 * limit and response settings as our app, JSON parsing of the body, and an
 * ACK — no signature, store, registry or log.
 */
export async function startBaselineServer(bodyLimitBytes: number): Promise<BaselineServer> {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.post('/search', express.json({ limit: bodyLimitBytes }), (_req, res) => {
    res.json(ack);
  });
  const { server, port } = await listen(app, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}/search`,
    close: async () => {
      await drain(server, 5_000);
    },
  };
}
