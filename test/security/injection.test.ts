import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { fullProfileEnv, type TestApp } from '../support/test-app.js';
import { testServices } from '../support/services.js';
import { runHttpCases, isJsonError, type HttpCase } from './support/fuzz-support.js';
import { injections } from './support/hostile.js';
import { runRide, startRideApp, type Ride } from './support/ride-app.js';

/** Path forms of the injections: encoded, and raw traversal and NUL spellings a URL can carry. */
const pathForms: readonly string[] = [
  ...injections.filter((s) => s !== '').map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?'))),
  '..',
  '..%2f..%2fprovider%2fmerchants',
  '%2e%2e',
  '%2e%2e%2f%2e%2e%2f',
  '%252e%252e%252f',
  'a%2Fb',
  '%5C..%5C',
  '%00',
  'x%00.json',
];

const mainTables = [
  'atlas_app.person',
  'atlas_app.booking',
  'atlas_app.search_request',
  'atlas_driver_offer_bpp.merchant',
  'atlas_driver_offer_bpp.driver',
  'atlas_driver_offer_bpp.booking',
  'atlas_driver_offer_bpp.ride',
];

async function rowCounts(app: TestApp): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of mainTables) {
    const [row] = await app.ctx.sequelize.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`, { type: QueryTypes.SELECT }).catch(() => [{ n: '-1' }]);
    counts[table] = Number(row?.n);
  }
  if (app.ctx.config.clickhouse) {
    for (const table of ['beckn_message_log', 'business_events']) {
      const response = await fetch(`${testServices.clickhouseUrl}/?database=${app.ctx.config.clickhouse.database}`, { method: 'POST', body: `SELECT count() FROM ${table} FORMAT TabSeparated` });
      counts[`clickhouse.${table}`] = response.ok ? Number((await response.text()).trim()) : -1;
    }
  }
  return counts;
}

/**
 * Every filter and id parameter given SQL, ClickHouse and path injection
 * attempts: answered 4xx or an empty result, never 5xx, and no row of the
 * main tables changed (Postgres and ClickHouse counts before and after).
 */
for (const store of ['file', 'clickhouse'] as const) {
  describe(`injection attempts on every filter and id parameter (audit on the ${store} store)`, function () {
    this.timeout(300_000);
    let app: TestApp;
    let ride: Ride;
    let document: any;

    before(async () => {
      app = await startRideApp({
        kafka: store === 'clickhouse',
        env: { API_RATE_LIMIT_PER_MINUTE: '10000000', ...(store === 'clickhouse' ? { CLICKHOUSE_DATABASE: fullProfileEnv().CLICKHOUSE_DATABASE as string } : {}) },
      });
      ride = await runRide(app);
      document = await (await fetch(`${app.baseUrl}/openapi.json`)).json();
    });
    after(async () => {
      await app?.close();
    });

    const tokenOf = (op: any): string => {
      const scheme = op.security?.[0] ? Object.keys(op.security[0])[0] : null;
      const secrets = app.ctx.config.secrets;
      return { adminToken: secrets.adminToken, auditorToken: secrets.auditorToken, driverToken: ride.driverToken, riderToken: ride.riderToken }[scheme ?? 'adminToken'] ?? secrets.adminToken;
    };

    it('answers 4xx or an empty result, never 5xx, and changes no row', async () => {
      const before = await rowCounts(app);
      const cases: HttpCase[] = [];
      const routes = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({ path, method, op })),
      );
      // Every query filter of the audit and analytics routes, one injection at a time, the other filters valid.
      const valid: Record<string, string> = { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString(), city: 'std:080' };
      for (const route of routes.filter((r) => /^\/(audit|provider\/analytics)\//.test(r.path) && r.method === 'get')) {
        const names = ((route.op.parameters ?? []) as { in: string; name: string }[]).filter((p) => p.in === 'query').map((p) => p.name);
        const pathFilled = route.path.replace(/\{\w+\}/g, ride.transactionId);
        for (const name of names) {
          for (const attempt of injections) {
            const query = new URLSearchParams({ ...Object.fromEntries(names.filter((n) => valid[n] && n !== name).map((n) => [n, valid[n] as string])), [name]: attempt.replace(/[\ud800-\udfff]/g, '?') });
            cases.push({ method: 'GET', path: `${pathFilled}?${query}`, headers: { authorization: `Bearer ${tokenOf(route.op)}` }, label: `filter ${name}` });
          }
        }
      }
      // Every :id parameter of every route, each injection in its place.
      for (const route of routes.filter((r) => /\{\w+\}/.test(r.path) && !r.path.startsWith('/dashboard'))) {
        const method = route.method.toUpperCase();
        const hasBody = method !== 'GET' && method !== 'DELETE';
        for (const form of pathForms) {
          cases.push({
            method,
            path: route.path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'action' || name === 'gateway' ? form : form)),
            headers: { authorization: `Bearer ${tokenOf(route.op)}`, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
            ...(hasBody ? { body: '{}' } : {}),
            label: `id ${route.path}`,
          });
        }
      }
      const started = Date.now();
      const tally = await runHttpCases(app.baseUrl, cases, 8);
      // A 200 must be an empty result: no record, no message, no row.
      const nonEmpty: string[] = [];
      for (const c of cases.filter((x) => x.path.startsWith('/audit/messages?'))) {
        const answer = await fetch(app.baseUrl + c.path, { headers: c.headers ?? {} });
        const text = await answer.text();
        if (answer.status === 200) {
          const body = JSON.parse(text) as { records: { subscriber_id?: string; action?: string }[] };
          const asked = new URL(app.baseUrl + c.path).searchParams;
          const injected = [...asked.entries()].find(([k]) => !valid[k]);
          if (body.records.length > 0 && injected && !['limit', 'cursor'].includes(injected[0])) nonEmpty.push(`${c.path}: ${body.records.length} records`);
        } else if (answer.status >= 400 && !isJsonError({ status: answer.status, type: answer.headers.get('content-type') ?? '', text })) {
          nonEmpty.push(`${c.path}: ${answer.status} not JSON`);
        }
      }
      const after = await rowCounts(app);
      console.log(`      injection (${store}): ${tally.cases} attempts, 2xx ${tally.s2xx}, 4xx ${tally.s4xx}, 5xx ${tally.s5xx} in ${Date.now() - started} ms; row counts ${JSON.stringify(after)}`);
      assert.deepEqual(tally.failures.slice(0, 10), [], `${tally.failures.length} failures`);
      assert.equal(tally.s5xx, 0);
      assert.deepEqual(nonEmpty.slice(0, 10), [], 'an injected filter matches nothing');
      assert.deepEqual(after, before, 'no row of the main tables changed');
      assert.ok(randomBytes(1));
    });
  });
}
