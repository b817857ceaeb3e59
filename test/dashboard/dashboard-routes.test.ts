import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import express from 'express';
import { dashboardRoutes } from '../../src/dashboard/index.js';
import { mountRoutes } from '../../src/infra/http/index.js';
import { SchemaRegistry } from '../../src/infra/validation/index.js';

const require = createRequire(import.meta.url);

describe('/dashboard files', () => {
  let server: Server;
  let baseUrl: string;

  before(async () => {
    const app = express();
    mountRoutes(app, dashboardRoutes({ defaultCity: 'std:080"><script>' }), { body: new SchemaRegistry(), query: new SchemaRegistry() });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  it('serves the page with a policy that lets it load only its own files and call only this service', async () => {
    const response = await fetch(`${baseUrl}/dashboard`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const policy = response.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) assert.ok(policy.includes(directive), directive);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|https?:/);
    const page = await response.text();
    assert.doesNotMatch(page, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(page, /\bstyle=/, 'no inline style');
    assert.doesNotMatch(page, /https?:\/\//, 'nothing loaded from elsewhere');
    assert.ok(page.includes('content="std:080&#34;&#62;&#60;script&#62;"'), 'the default city is escaped into its meta tag');
  });

  it('serves Chart.js and Leaflet from the installed packages, byte for byte', async () => {
    const chartDir = require.resolve('chart.js').replace(/chart\.cjs$/, '');
    const vendored: [string, string, RegExp][] = [
      ['/dashboard/vendor/chart.umd.js', `${chartDir}chart.umd.js`, /^text\/javascript/],
      ['/dashboard/vendor/leaflet.js', require.resolve('leaflet/dist/leaflet.js'), /^text\/javascript/],
      ['/dashboard/vendor/leaflet.css', require.resolve('leaflet/dist/leaflet.css'), /^text\/css/],
    ];
    for (const [path, file, type] of vendored) {
      const response = await fetch(`${baseUrl}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', type, path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.ok(Buffer.from(await response.arrayBuffer()).equals(readFileSync(file)), `${path} is ${file}`);
    }
  });

  it('serves the page script, style sheet and icon', async () => {
    for (const [path, type] of [['/dashboard/dashboard.js', /^text\/javascript/], ['/dashboard/dashboard.css', /^text\/css/], ['/dashboard/favicon.svg', /^image\/svg\+xml/]] as const) {
      const response = await fetch(`${baseUrl}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', type, path);
    }
  });
});
