import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { fullProfileEnv } from '../support/test-app.js';
import { runServiceToExit } from '../support/service-process.js';

describe('WORKERS', () => {
  it('defaults to the number of cores in the full profile and to 1 in the embedded one', () => {
    assert.equal(loadConfig(fullProfileEnv()).config.workers, availableParallelism());
    assert.equal(loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'beckn-ride-config-test-')) }).config.workers, 1);
    assert.equal(loadConfig(fullProfileEnv({ WORKERS: '3' })).config.workers, 3);
  });

  it('refuses more than one worker outside the full profile, and anything but a whole number from 1', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'beckn-ride-config-test-'));
    assert.throws(() => loadConfig({ DATA_DIR: dataDir, WORKERS: '2' }), (error: unknown) => error instanceof ConfigError && /WORKERS=2 needs the full profile/.test(error.message));
    const hybrid = { ...fullProfileEnv({ WORKERS: '2' }) };
    delete hybrid.KAFKA_BROKERS;
    assert.throws(() => loadConfig(hybrid), (error: unknown) => error instanceof ConfigError && /WORKERS=2 needs the full profile .*hybrid profile/.test(error.message));
    for (const bad of ['0', '-1', '1.5', 'two']) assert.throws(() => loadConfig(fullProfileEnv({ WORKERS: bad })), (error: unknown) => error instanceof ConfigError && /WORKERS/.test(error.message), bad);
    assert.equal(loadConfig({ DATA_DIR: dataDir, WORKERS: '1' }).config.workers, 1);
  });

  it('stops an embedded process asked for two workers with one line naming WORKERS', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'beckn-ride-config-test-')), 'data');
    const { code, stderr } = await runServiceToExit({ DATA_DIR: dataDir, WORKERS: '2', PORT: '0' });
    assert.equal(code, 1);
    assert.match(stderr, /^beckn-ride: .*WORKERS=2 needs the full profile/m);
  });
});
