import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type RawEnv } from '../../src/config/index.js';
import { testSecrets } from '../support/test-app.js';

const dataDir = () => mkdtempSync(join(tmpdir(), 'beckn-ride-test-'));
const withDatabase = (extra: RawEnv = {}): RawEnv => ({ DATA_DIR: dataDir(), DATABASE_URL: 'postgres://postgres@db.test/app', ...testSecrets(), ...extra });

describe('settings of the Postgres pools and the dev registry', () => {
  it('caps statements at 30 s unless DB_STATEMENT_TIMEOUT_MS says otherwise, and refuses a cap under 100 ms', () => {
    assert.equal(loadConfig(withDatabase()).config.postgres.statementTimeoutMs, 30_000);
    assert.equal(loadConfig(withDatabase({ DB_STATEMENT_TIMEOUT_MS: '2500' })).config.postgres.statementTimeoutMs, 2_500);
    assert.throws(() => loadConfig(withDatabase({ DB_STATEMENT_TIMEOUT_MS: '0' })), /DB_STATEMENT_TIMEOUT_MS must be >= 100/);
  });

  it('lets the registry take private subscriber URLs by default only in the embedded profile', () => {
    assert.equal(loadConfig({ DATA_DIR: dataDir() }).config.registryAllowsPrivateUrls, true);
    assert.equal(loadConfig(withDatabase()).config.registryAllowsPrivateUrls, false);
    assert.equal(loadConfig(withDatabase({ REGISTRY_ALLOW_PRIVATE_URLS: 'true' })).config.registryAllowsPrivateUrls, true);
    assert.equal(loadConfig({ DATA_DIR: dataDir(), REGISTRY_ALLOW_PRIVATE_URLS: 'false' }).config.registryAllowsPrivateUrls, false);
  });
});
