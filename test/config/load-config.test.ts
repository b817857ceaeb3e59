import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, variableNames } from '../../src/config/index.js';
import { fullProfileEnv, testSecrets } from '../support/test-app.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'beckn-ride-config-test-'));
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  it('with no service URL picks the embedded profile with defaults and generates missing secrets once', () => {
    const dataDir = tempDir();
    const first = loadConfig({ DATA_DIR: dataDir });
    assert.equal(first.config.profile, 'embedded');
    assert.equal(first.config.http.port, 8080);
    assert.equal(first.config.postgres.kind, 'embedded');
    assert.equal(first.config.redis, null);
    assert.deepEqual(first.generatedSecrets.map((s) => s.name).sort(), ['ADMIN_TOKEN', 'AUDITOR_TOKEN', 'ENCRYPTION_KEY', 'SIGNING_PRIVATE_KEY']);
    const file = join(dataDir, 'secrets.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);

    const second = loadConfig({ DATA_DIR: dataDir });
    assert.deepEqual(second.generatedSecrets, [], 'secrets are shown only on the start that generated them');
    assert.equal(second.config.secrets.adminToken, first.config.secrets.adminToken);
    assert.equal(second.config.secrets.signingPublicKey, first.config.secrets.signingPublicKey);
    assert.equal(Buffer.from(second.config.secrets.signingPublicKey, 'base64').length, 32);
  });

  it('keeps a secret given in the environment and generates only the others', () => {
    const dataDir = tempDir();
    const { ADMIN_TOKEN } = testSecrets();
    const { config, generatedSecrets } = loadConfig({ DATA_DIR: dataDir, ADMIN_TOKEN });
    assert.equal(config.secrets.adminToken, ADMIN_TOKEN);
    assert.ok(!generatedSecrets.some((s) => s.name === 'ADMIN_TOKEN'));
    assert.ok(!readFileSync(join(dataDir, 'secrets.json'), 'utf8').includes(ADMIN_TOKEN));
  });

  it('with all four service URLs picks the full profile and parses each store', () => {
    const { config } = loadConfig(fullProfileEnv({ KAFKA_BROKERS: 'a:9092,b:9093' }));
    assert.equal(config.profile, 'full');
    assert.equal(config.postgres.kind, 'url');
    assert.deepEqual(config.kafka?.brokers, ['a:9092', 'b:9093']);
    assert.ok(config.redis?.keyPrefix.includes('test'));
  });

  it('with only some service URLs picks the hybrid profile and still demands secrets', () => {
    const error = configError(() => loadConfig({ DATA_DIR: tempDir(), REDIS_URL: 'redis://127.0.0.1:6379' }));
    assert.match(error.message, /ADMIN_TOKEN is required when a service URL is set \(hybrid profile\)/);
  });

  it('refuses the full profile without secrets, naming every missing one, and writes no secrets file', () => {
    const env = fullProfileEnv();
    delete env.ADMIN_TOKEN;
    delete env.ENCRYPTION_KEY;
    const error = configError(() => loadConfig(env));
    assert.match(error.message, /ADMIN_TOKEN is required/);
    assert.match(error.message, /ENCRYPTION_KEY is required/);
    assert.ok(!existsSync(join(env.DATA_DIR as string, 'secrets.json')));
  });

  it('names the variable and the value when a setting is malformed', () => {
    const error = configError(() => loadConfig({ DATA_DIR: tempDir(), PORT: '70000', LOG_LEVEL: 'loud' }));
    assert.match(error.message, /PORT must be <= 65535 \(got "70000"\)/);
    assert.match(error.message, /LOG_LEVEL must be equal to one of the allowed values \(got "loud"\)/);
    assert.equal(error.message.split('\n').length, 1, 'one line');
  });

  it('never echoes a secret value in an error', () => {
    const error = configError(() => loadConfig(fullProfileEnv({ ADMIN_TOKEN: 'short secret' })));
    assert.match(error.message, /ADMIN_TOKEN/);
    assert.ok(!error.message.includes('short secret'));
  });

  it('accepts a 64-byte seed+public signing key and rejects one whose halves disagree', () => {
    const seed = Buffer.from(testSecrets().SIGNING_PRIVATE_KEY, 'base64');
    const { config } = loadConfig(fullProfileEnv({ SIGNING_PRIVATE_KEY: seed.toString('base64') }));
    const public32 = Buffer.from(config.secrets.signingPublicKey, 'base64');
    const full = loadConfig(fullProfileEnv({ SIGNING_PRIVATE_KEY: Buffer.concat([seed, public32]).toString('base64') }));
    assert.equal(full.config.secrets.signingPrivateKey, seed.toString('base64'));
    const wrong = Buffer.concat([seed, Buffer.alloc(32, 7)]).toString('base64');
    assert.match(configError(() => loadConfig(fullProfileEnv({ SIGNING_PRIVATE_KEY: wrong }))).message, /public half does not match/);
    assert.match(
      configError(() => loadConfig(fullProfileEnv({ SIGNING_PRIVATE_KEY: Buffer.alloc(16).toString('base64') }))).message,
      /SIGNING_PRIVATE_KEY must decode to 32 or 64 bytes, got 16/,
    );
  });

  it('rejects a registry seed file that cannot be read', () => {
    const error = configError(() => loadConfig({ DATA_DIR: tempDir(), REGISTRY_SEED_FILE: '/nonexistent/seed.json' }));
    assert.match(error.message, /REGISTRY_SEED_FILE \/nonexistent\/seed.json is not a readable file/);
  });

  it('returns a deeply frozen config', () => {
    const { config } = loadConfig({ DATA_DIR: tempDir() });
    assert.throws(() => {
      (config.http as { port: number }).port = 1;
    }, TypeError);
  });

  it('is documented: the README table lists every variable', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const name of variableNames) assert.match(readme, new RegExp(`^\\| \`${name}\` \\|`, 'm'), `${name} missing from README`);
  });
});
