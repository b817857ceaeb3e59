import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type RawEnv } from '../../src/config/index.js';
import { testSecrets } from '../support/test-app.js';

const dataDir = () => mkdtempSync(join(tmpdir(), 'beckn-ride-test-'));
const withDatabase = (extra: RawEnv = {}): RawEnv => ({ DATA_DIR: dataDir(), DATABASE_URL: 'postgres://postgres@db.test/app', ...testSecrets(), ...extra });
const gateway: RawEnv = {
  PAYMENT_GATEWAY_URL: 'https://sandbox.gateway.test/',
  PAYMENT_GATEWAY_API_KEY: 'key_3f9a7c1e5b',
  PAYMENT_GATEWAY_MERCHANT_ID: 'cab-co',
};
const basic: RawEnv = { PAYMENT_WEBHOOK_USERNAME: 'hooks', PAYMENT_WEBHOOK_PASSWORD: 'a-long-webhook-password' };
const hmac: RawEnv = { PAYMENT_WEBHOOK_HMAC_SECRET: 'an-hmac-secret-of-at-least-32-characters' };

describe('payment gateway settings', () => {
  it('without PAYMENT_GATEWAY_URL leaves the gateway to the in-process simulator, in every profile, with the default timeout and checks', () => {
    for (const env of [{ DATA_DIR: dataDir() }, withDatabase()]) {
      const { payments } = loadConfig(env).config;
      assert.deepEqual(payments, { gateway: null, timeoutMs: 10_000, statusCheck: { baseDelayMs: 30_000, maxAttempts: 10 } });
    }
  });

  it('takes a real gateway with Basic or HMAC webhook credentials', () => {
    assert.deepEqual(loadConfig(withDatabase({ ...gateway, ...basic, PAYMENT_GATEWAY_TIMEOUT_MS: '2500' })).config.payments.gateway, {
      url: 'https://sandbox.gateway.test',
      apiKey: 'key_3f9a7c1e5b',
      merchantId: 'cab-co',
      webhookAuth: { scheme: 'basic', username: 'hooks', password: 'a-long-webhook-password' },
    });
    const signed = loadConfig(withDatabase({ ...gateway, ...hmac })).config.payments.gateway;
    assert.deepEqual(signed?.webhookAuth, { scheme: 'hmac', secret: hmac.PAYMENT_WEBHOOK_HMAC_SECRET });
  });

  it('refuses a gateway URL without its credentials, naming each, and never echoes a secret', () => {
    assert.throws(() => loadConfig(withDatabase({ PAYMENT_GATEWAY_URL: 'https://sandbox.gateway.test' })), (error: Error) => {
      for (const name of ['PAYMENT_GATEWAY_API_KEY', 'PAYMENT_GATEWAY_MERCHANT_ID', 'PAYMENT_WEBHOOK_HMAC_SECRET']) assert.ok(error.message.includes(name), name);
      return true;
    });
    assert.throws(() => loadConfig(withDatabase({ ...gateway, ...basic, ...hmac })), (error: Error) => {
      assert.match(error.message, /not both/);
      assert.ok(!error.message.includes(basic.PAYMENT_WEBHOOK_PASSWORD as string) && !error.message.includes(hmac.PAYMENT_WEBHOOK_HMAC_SECRET as string));
      return true;
    });
    assert.throws(() => loadConfig(withDatabase({ ...gateway, PAYMENT_WEBHOOK_USERNAME: 'hooks' })), /set together/);
  });

  it('refuses gateway credentials without PAYMENT_GATEWAY_URL: they would be silently unused', () => {
    assert.throws(() => loadConfig({ DATA_DIR: dataDir(), PAYMENT_GATEWAY_API_KEY: 'key_3f9a7c1e5b' }), /PAYMENT_GATEWAY_API_KEY is set but PAYMENT_GATEWAY_URL is not/);
  });
});
