import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createLogger } from '../../src/infra/logging/logger.js';
import { generateSigningKeyPair } from '../../src/protocol/signing/index.js';
import { postJson, startRegistryServer, type RegistryServer } from './registry-server.js';

const logger = createLogger('silent');
const adminToken = randomBytes(24).toString('base64url');
const admin = { authorization: `Bearer ${adminToken}` };
const day = 86_400_000;

function record(subscriberId: string, subscriberUrl: string): Record<string, unknown> {
  return {
    subscriber_id: subscriberId,
    unique_key_id: 'k1',
    type: 'BPP',
    domain: 'ONDC:TRV10',
    city: 'std:080',
    country: 'IND',
    subscriber_url: subscriberUrl,
    signing_public_key: generateSigningKeyPair().publicKey,
    valid_from: new Date(Date.now() - day).toISOString(),
    valid_until: new Date(Date.now() + 365 * day).toISOString(),
  };
}

describe('registry subscriber URLs on non-public addresses', function () {
  this.timeout(60_000);

  describe('when private URLs are not allowed (the default)', () => {
    let server: RegistryServer;
    before(async () => {
      server = await startRegistryServer(logger, { adminToken });
    });
    after(async () => {
      await server?.close();
    });

    const refused = [
      'http://127.0.0.1:8080/beckn',
      'http://10.0.0.5/',
      'http://[::1]/',
      'http://169.254.169.254/latest/meta-data',
      'http://192.168.1.20/beckn',
      'http://172.20.0.3/beckn',
      'http://100.64.1.1/',
      'http://0.0.0.0/',
      'http://[fd00::1]/',
      'http://[fe80::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://2130706433/',
      'http://localhost:8080/beckn',
    ];
    for (const [index, url] of refused.entries()) {
      it(`refuses ${url} with a 400 naming subscriber_url, and stores nothing`, async () => {
        const subscriberId = `private-${index}.url-policy.test`;
        const answer = await postJson(`${server.baseUrl}/registry/subscribe`, JSON.stringify(record(subscriberId, url)), admin);
        assert.equal(answer.status, 400, JSON.stringify(answer.body));
        assert.equal(answer.body.error.code, 'VALIDATION_FAILED');
        assert.equal(answer.body.error.details[0].path, '/subscriber_url');
        assert.match(answer.body.error.details[0].message, /loopback, link-local or private address/);
        assert.deepEqual(await server.registry.lookup({ subscriberId }), []);
      });
    }

    it('accepts a URL on a public address', async () => {
      const subscriberId = 'public.url-policy.test';
      const answer = await postJson(`${server.baseUrl}/registry/subscribe`, JSON.stringify(record(subscriberId, 'https://203.0.113.10/beckn')), admin);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal((await server.registry.lookup({ subscriberId })).length, 1);
    });
  });

  describe('when the operator allows private URLs', () => {
    let server: RegistryServer;
    before(async () => {
      server = await startRegistryServer(logger, { adminToken, allowPrivateUrls: true });
    });
    after(async () => {
      await server?.close();
    });

    it('accepts a loopback URL', async () => {
      const subscriberId = 'loopback.url-policy.test';
      const answer = await postJson(`${server.baseUrl}/registry/subscribe`, JSON.stringify(record(subscriberId, 'http://127.0.0.1:8080/beckn')), admin);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal((await server.registry.lookup({ subscriberId }))[0]?.subscriberUrl, 'http://127.0.0.1:8080/beckn');
    });
  });
});
