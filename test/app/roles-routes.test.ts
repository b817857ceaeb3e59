import assert from 'node:assert/strict';
import { fullProfileEnv, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The provider side's operator routes (/provider/..., the analytics among
 * them), the driver app's routes (/driver/...) and the operator's dashboard
 * are mounted only by a process that plays the BPP.
 */
describe('routes mounted by role', function () {
  this.timeout(120_000);

  const documentedPaths = async (app: TestApp): Promise<string[]> => {
    const response = await fetch(`${app.baseUrl}/openapi.json`);
    assert.equal(response.status, 200);
    return Object.keys(((await response.json()) as { paths: Record<string, unknown> }).paths);
  };
  const providerSide = (path: string): boolean => /^\/(provider|driver|dashboard)(\/|$)/.test(path);

  describe('ROLES=bap', () => {
    let app: TestApp;
    let adminToken: string;
    before(async () => {
      const env = fullProfileEnv({ ROLES: 'bap', REGISTRY_URL: 'http://127.0.0.1:9/registry' });
      adminToken = env.ADMIN_TOKEN as string;
      app = await startTestApp(env);
    });
    after(async () => {
      await app?.close();
    });

    it('answers 404 on the operator, driver and dashboard routes, with the operator token too', async () => {
      for (const path of ['/provider/merchants', '/provider/analytics/summary', '/driver/rides', '/dashboard']) {
        const response = await fetch(`${app.baseUrl}${path}`, { headers: { authorization: `Bearer ${adminToken}` } });
        assert.equal(response.status, 404, `${path} answered ${response.status}`);
        await response.arrayBuffer();
      }
    });

    it('documents none of them in /openapi.json, and still the rider routes', async () => {
      const paths = await documentedPaths(app);
      assert.deepEqual(paths.filter(providerSide), []);
      assert.ok(paths.some((path) => path.startsWith('/rider/')), 'the rider API is mounted');
    });
  });

  describe('ROLES=bpp,registry', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(fullProfileEnv({ ROLES: 'bpp,registry' }));
    });
    after(async () => {
      await app?.close();
    });

    it('mounts and documents the operator, driver and dashboard routes', async () => {
      const paths = await documentedPaths(app);
      for (const path of ['/provider/merchants', '/provider/analytics/summary', '/driver/rides', '/dashboard']) assert.ok(paths.includes(path), `${path} documented`);
      const response = await fetch(`${app.baseUrl}/dashboard`);
      assert.equal(response.status, 200);
      await response.arrayBuffer();
    });
  });
});
