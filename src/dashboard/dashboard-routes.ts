import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Response } from 'express';
import type { RouteSpec } from '../infra/http/index.js';
import { sourceTreePath } from '../source-tree.js';

/**
 * The page loads nothing but its own files and the service's API: no CDN, no
 * inline script or style, no framing.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  path: string;
  summary: string;
  contentType: string;
  body: Buffer;
  /** Vendored library files change only with the package; the page's own files are revalidated every load. */
  cacheControl: string;
}

const requireFromHere = createRequire(import.meta.url);
const publicDir = sourceTreePath(new URL('./public/', import.meta.url));

/** A file of an installed package's dist folder, found from its resolvable entry point (chart.js exports no deep paths). */
function packageDistFile(entry: string, file: string): string {
  return join(dirname(requireFromHere.resolve(entry)), file);
}

function escapeHtmlAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function send(asset: Asset, res: Response): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', asset.cacheControl);
  res.type(asset.contentType).send(asset.body);
}

export interface DashboardOptions {
  /** City the page shows when the address names none (the rider side's BAP_CITY_CODE). */
  defaultCity: string;
}

/**
 * `/dashboard`: the operator's analytics page (tiles, charts, heatmap) and the
 * files it loads, read once at start. The page asks for the admin token and
 * calls the analytics API with it; the files themselves hold no data.
 */
export function dashboardRoutes(options: DashboardOptions): RouteSpec[] {
  const own = (file: string) => readFileSync(join(publicDir, file));
  const page = own('index.html').toString('utf8').replace('{{DEFAULT_CITY}}', escapeHtmlAttribute(options.defaultCity));
  const revalidate = 'no-cache';
  const vendor = 'public, max-age=86400';
  const assets: Asset[] = [
    { path: '/dashboard', summary: 'Operator analytics dashboard (HTML page)', contentType: 'text/html; charset=utf-8', body: Buffer.from(page), cacheControl: revalidate },
    { path: '/dashboard/dashboard.js', summary: 'Script of the dashboard page', contentType: 'text/javascript; charset=utf-8', body: own('dashboard.js'), cacheControl: revalidate },
    { path: '/dashboard/dashboard.css', summary: 'Style sheet of the dashboard page', contentType: 'text/css; charset=utf-8', body: own('dashboard.css'), cacheControl: revalidate },
    { path: '/dashboard/favicon.svg', summary: 'Icon of the dashboard page', contentType: 'image/svg+xml', body: own('favicon.svg'), cacheControl: revalidate },
    {
      path: '/dashboard/vendor/chart.umd.js',
      summary: 'Chart.js, served from the installed package',
      contentType: 'text/javascript; charset=utf-8',
      body: readFileSync(packageDistFile('chart.js', 'chart.umd.js')),
      cacheControl: vendor,
    },
    {
      path: '/dashboard/vendor/leaflet.js',
      summary: 'Leaflet, served from the installed package',
      contentType: 'text/javascript; charset=utf-8',
      body: readFileSync(requireFromHere.resolve('leaflet/dist/leaflet.js')),
      cacheControl: vendor,
    },
    {
      path: '/dashboard/vendor/leaflet.css',
      summary: 'Leaflet style sheet, served from the installed package',
      contentType: 'text/css; charset=utf-8',
      body: readFileSync(requireFromHere.resolve('leaflet/dist/leaflet.css')),
      cacheControl: vendor,
    },
  ];
  return assets.map((asset) => ({
    method: 'get',
    path: asset.path,
    summary: asset.summary,
    tag: 'dashboard',
    responses: { 200: { description: asset.summary, contentType: asset.contentType.split(';')[0] } },
    handler: (_input, res) => send(asset, res),
  }));
}
