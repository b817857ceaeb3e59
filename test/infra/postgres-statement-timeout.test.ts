import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { createContext, type AppContext } from '../../src/context.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { testSecrets } from '../support/test-app.js';

describe('the statement timeout of the service pool', function () {
  this.timeout(60_000);
  let database: FreshDatabase;
  let ctx: AppContext;

  before(async () => {
    database = await freshServerDatabase('timeout');
    const { config } = loadConfig({
      DATABASE_URL: database.url,
      // Far above any migration statement on an empty database, far below the sleep below.
      DB_STATEMENT_TIMEOUT_MS: '1000',
      LOG_LEVEL: 'silent',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'beckn-ride-test-')),
      ...testSecrets(),
    });
    ctx = await createContext(config, createLogger(config.logLevel));
  });
  after(async () => {
    await ctx?.destroy();
    await database?.dispose();
  });

  it('has Postgres cancel a statement that outlives DB_STATEMENT_TIMEOUT_MS (57014)', async () => {
    // pg_sleep(5) would finish on its own; only the server-side timeout makes it fail with 57014.
    await assert.rejects(ctx.sequelize.query('SELECT pg_sleep(5)'), (error: { parent?: { code?: string } }) => {
      assert.equal(error.parent?.code, '57014', String(error));
      return true;
    });
  });
});
