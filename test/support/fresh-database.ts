import pg from 'pg';
import { testServices, uniqueTestName } from './services.js';

/** One empty database on the test server, private to whoever made it. */
export interface FreshDatabase {
  url: string;
  dispose(): Promise<void>;
}

async function asAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testServices.databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A uniquely named database beside testServices.databaseUrl, dropped (connections and all) by dispose(). */
export async function freshServerDatabase(label = 'pg'): Promise<FreshDatabase> {
  const name = uniqueTestName(label);
  await asAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(testServices.databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dispose: async () => {
      await asAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
