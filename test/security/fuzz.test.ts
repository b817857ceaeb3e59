import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { buildAuthorizationHeader, parseAuthorizationHeader, SignatureHeaderError, supportedAlgorithm, signedHeaders } from '../../src/protocol/signing/index.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import { caller } from './support/ride-app.js';
import { describeTally, fuzzRuns, fuzzSeed, heapUsedMiB, runHttpCases, type HttpCase } from './support/fuzz-support.js';
import { hostileSegment, hostileString } from './support/hostile.js';

/**
 * Property-based tests and a bounded fuzz loop (fast-check, FUZZ_RUNS cases
 * per target, 10,000 by default, seed FUZZ_SEED printed): the Authorization
 * header parser in process; Beckn bodies signed by a registered participant
 * to the BPP and BAP endpoints, every internal REST input of the rider,
 * driver, operator and admin routes, and the audit filters, over real HTTP.
 * No 5xx, every error a JSON body, the process alive and its heap bounded.
 */
describe('fuzz: hostile input over every parser', function () {
  this.timeout(600_000);
  const tallies: string[] = [];

  describe('the Authorization header parser (src/protocol/signing)', () => {
    const keyIdPart = fc.string({ minLength: 1, maxLength: 24, unit: fc.integer({ min: 0x21, max: 0x7e }).filter((c) => c !== 0x22 && c !== 0x7c).map((c) => String.fromCharCode(c)) });
    const params = fc.record({
      subscriberId: keyIdPart,
      uniqueKeyId: keyIdPart,
      created: fc.integer({ min: 0, max: 2 ** 40 }),
      span: fc.integer({ min: 0, max: 3600 }),
      signature: fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')),
    });

    it(`reads back every header it builds (${fuzzRuns} cases)`, () => {
      const started = Date.now();
      fc.assert(
        fc.property(params, (p) => {
          const header = buildAuthorizationHeader({ ...p, algorithm: supportedAlgorithm, expires: p.created + p.span, headers: signedHeaders });
          const parsed = parseAuthorizationHeader(header);
          assert.deepEqual(parsed, { subscriberId: p.subscriberId, uniqueKeyId: p.uniqueKeyId, algorithm: supportedAlgorithm, created: p.created, expires: p.created + p.span, headers: signedHeaders, signature: p.signature });
        }),
        { seed: fuzzSeed, numRuns: fuzzRuns },
      );
      tallies.push(`fuzz: authorization header round trip ${fuzzRuns} cases (${Date.now() - started} ms, seed ${fuzzSeed})`);
    });

    it(`answers any other text with a SignatureHeaderError or a valid header, never another error (${fuzzRuns} cases)`, () => {
      const started = Date.now();
      // Valid headers mutated (a character replaced, inserted or cut, parameters repeated, reordered or renamed) and arbitrary text.
      const valid = params.map((p) => buildAuthorizationHeader({ ...p, algorithm: supportedAlgorithm, expires: p.created + p.span, headers: signedHeaders }));
      const mutated = fc.tuple(valid, fc.nat(), fc.string({ maxLength: 6, unit: 'binary' }), fc.nat({ max: 4 })).map(([h, at, text, kind]) => {
        const i = at % (h.length + 1);
        if (kind === 0) return h.slice(0, i) + text + h.slice(i);
        if (kind === 1) return h.slice(0, i) + text + h.slice(i + 1);
        if (kind === 2) return h.slice(0, i);
        if (kind === 3) return `${h},${h.slice('Signature '.length)}`;
        return h.replace(/(\w+)=/, `${text}=`);
      });
      let valids = 0;
      let refused = 0;
      fc.assert(
        fc.property(fc.oneof(mutated, fc.string({ maxLength: 200, unit: 'binary' }), fc.string({ maxLength: 5000 }), hostileString), (text) => {
          try {
            const parsed = parseAuthorizationHeader(text);
            valids += 1;
            assert.equal(parsed.algorithm, supportedAlgorithm);
            assert.ok(parsed.expires >= parsed.created);
            assert.equal(Buffer.from(parsed.signature, 'base64').length, 64);
          } catch (error) {
            if (!(error instanceof SignatureHeaderError)) throw error;
            refused += 1;
          }
        }),
        { seed: fuzzSeed, numRuns: fuzzRuns },
      );
      tallies.push(`fuzz: authorization header hostile text ${fuzzRuns} cases, parsed ${valids}, refused ${refused} (${Date.now() - started} ms, seed ${fuzzSeed})`);
    });
  });

  describe('over real HTTP', () => {
    let net: BecknHarness;
    let heapBefore = 0;
    const tokens: Record<string, string> = {};

    before(async () => {
      net = await startBecknHarness({
        env: { BECKN_RATE_LIMIT_PER_MINUTE: '10000000', BECKN_REFUSALS_PER_MINUTE_PER_ADDRESS: '10000000', API_RATE_LIMIT_PER_MINUTE: '10000000' },
      });
      const call = caller(net.app.baseUrl);
      const admin = net.app.ctx.config.secrets.adminToken;
      const merchant = await call('POST', '/provider/merchants', admin, { name: 'Fuzz Cabs', subscriber_id: net.ourBpp.id, cities: [{ city_code: 'std:080', currency: 'INR' }] });
      const driver = await call('POST', '/provider/drivers', admin, { merchant_id: merchant.body.id, name: 'Fuzz Driver', mobile_number: '+919811122233' });
      const driverToken = await call('POST', `/provider/drivers/${driver.body.id}/tokens`, admin);
      const rider = await call('POST', '/admin/riders', admin, { name: 'Fuzz Rider', mobile_number: '+919822233344' });
      Object.assign(tokens, {
        adminToken: admin,
        auditorToken: net.app.ctx.config.secrets.auditorToken,
        driverToken: driverToken.body.token,
        riderToken: rider.body.token,
      });
      assert.ok(tokens.driverToken && tokens.riderToken, 'fuzz tokens made');
      heapBefore = heapUsedMiB();
    });
    after(async () => {
      await net?.close();
      for (const line of tallies) console.log(`      ${line}`);
    });

    const check = (target: string, tally: Awaited<ReturnType<typeof runHttpCases>>, ms: number) => {
      tallies.push(describeTally(target, tally, ms));
      assert.deepEqual(tally.failures.slice(0, 10), [], `${tally.failures.length} failures (replay: FUZZ_SEED=${fuzzSeed})`);
      assert.equal(tally.s5xx, 0);
    };

    /** A Beckn body as raw bytes: mostly small and nearly valid, sometimes deep, huge, broken UTF-8, with duplicate or prototype keys. */
    const becknBody = (toBpp: boolean): fc.Arbitrary<{ raw: Buffer; label: string }> => {
      const context = () =>
        toBpp
          ? { domain: 'ONDC:TRV10', version: '2.0.1', action: 'search', location: { city: { code: 'std:080' }, country: { code: 'IND' } }, ...net.toOurBpp() }
          : {
              domain: 'ONDC:TRV10', version: '2.0.1', action: 'on_search', location: { city: { code: 'std:080' }, country: { code: 'IND' } },
              bap_id: net.ourBap.id, bap_uri: net.ourBap.url, bpp_id: net.bpp.subscriberId, bpp_uri: net.bpp.url,
              transaction_id: randomUUID(), message_id: randomUUID(), timestamp: new Date().toISOString(), ttl: 'PT30S',
            };
      const wrap = (message: string, extraContext = '') => {
        const ctx = JSON.stringify(context());
        return `{"context":${extraContext ? ctx.slice(0, -1) + ',' + extraContext + '}' : ctx},"message":${message}}`;
      };
      const text = (label: string, arb: fc.Arbitrary<string>) => arb.map((s) => ({ raw: Buffer.from(s, 'utf8'), label }));
      return fc.oneof(
        { weight: 30, arbitrary: text('random message', fc.jsonValue({ maxDepth: 4 }).map((v) => wrap(JSON.stringify(v) ?? 'null'))) },
        {
          weight: 10,
          arbitrary: text(
            'context field replaced',
            fc.tuple(fc.constantFrom('domain', 'version', 'action', 'bap_id', 'bap_uri', 'bpp_id', 'bpp_uri', 'transaction_id', 'message_id', 'timestamp', 'ttl', 'location'), fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostileString, fc.integer().map(String))).map(([key, value]) => {
              const ctx: Record<string, unknown> = context();
              ctx[key] = value;
              return JSON.stringify({ context: ctx, message: { intent: { fulfillment: { stops: [] } } } });
            }),
          ),
        },
        { weight: 5, arbitrary: text('numbers as strings', fc.tuple(fc.integer(), fc.double()).map(([i, d]) => wrap(JSON.stringify({ intent: { fulfillment: { stops: [{ type: 'START', location: { gps: `${i}, ${d}` } }] }, payment: { params: { amount: String(d) } } } }), `"ttl":${i}`))) },
        { weight: 3, arbitrary: text('deep nesting', fc.integer({ min: 20, max: 3000 }).map((n) => wrap('{"a":'.repeat(n) + '1' + '}'.repeat(n)))) },
        { weight: 2, arbitrary: text('deep arrays', fc.integer({ min: 20, max: 20000 }).map((n) => wrap('['.repeat(n) + ']'.repeat(n)))) },
        { weight: 2, arbitrary: text('huge array', fc.integer({ min: 1000, max: 60_000 }).map((n) => wrap(`{"intent":{"tags":[${'0,'.repeat(n)}0]}}`))) },
        { weight: 2, arbitrary: text('huge string', fc.integer({ min: 10_000, max: 300_000 }).map((n) => wrap(`{"intent":{"descriptor":{"name":"${'x'.repeat(n)}"}}}`))) },
        {
          weight: 4,
          arbitrary: fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, bytes]) => {
            const raw = Buffer.from(wrap('{"intent":{"descriptor":{"name":"ok"}}}'));
            const i = at % raw.length;
            // 0x80-0xff alone are never valid UTF-8 starts or are unfinished sequences.
            return { raw: Buffer.concat([raw.subarray(0, i), Buffer.from(bytes.map((b) => 0x80 | b)), raw.subarray(i)]), label: 'invalid UTF-8' };
          }),
        },
        { weight: 3, arbitrary: text('duplicate keys', fc.jsonValue({ maxDepth: 2 }).map((v) => { const w = wrap('{}'); return `{"context":${JSON.stringify(v)},${w.slice(1, -1)},"message":${JSON.stringify(v)},"message":{}}`; })) },
        {
          weight: 4,
          arbitrary: text(
            '__proto__ and constructor keys',
            fc.constantFrom('__proto__', 'constructor', 'prototype').chain((key) =>
              fc.constantFrom(
                `{"${key}":{"polluted":"yes","context":{"action":"x"}},${wrap('{}').slice(1)}`,
                wrap(`{"${key}":{"polluted":"yes"},"intent":{"${key}":{"prototype":{"polluted":"yes"}}}}`),
                wrap('{}', `"${key}":{"polluted":"yes"}`),
              ),
            ),
          ),
        },
      );
    };

    const becknCases = (toBpp: boolean): HttpCase[] =>
      fc.sample(becknBody(toBpp), { seed: fuzzSeed, numRuns: fuzzRuns }).map(({ raw, label }) => ({
        method: 'POST',
        path: toBpp ? '/beckn/bpp/search' : '/beckn/bap/on_search',
        headers: { 'content-type': 'application/json', authorization: (toBpp ? net.bap : net.bpp).signer.sign(raw) },
        body: raw,
        label,
      }));

    it('the audit filters (/audit/messages query, on the file store, before the Beckn targets fill the log)', async () => {
      const filter = fc.oneof(
        hostileString,
        fc.constantFrom('search', 'on_search', 'inbound', 'outbound', 'ACK', 'NACK', '2026-12-05T00:00:00Z', '0', '500', '501', '-1', 'abc'),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      );
      const keys = fc.constantFrom('action', 'subscriberId', 'direction', 'status', 'from', 'to', 'limit', 'cursor', '__proto__', 'constructor', 'format');
      const cases: HttpCase[] = fc.sample(fc.array(fc.tuple(keys, filter), { maxLength: 6 }), { seed: fuzzSeed, numRuns: fuzzRuns }).map((pairs) => {
        const search = new URLSearchParams();
        for (const [k, v] of pairs) search.append(k, v.replace(/[\ud800-\udfff]/g, '?'));
        return { method: 'GET', path: `/audit/messages?${search}`, headers: { authorization: `Bearer ${tokens.auditorToken}` }, label: 'audit filters' };
      });
      const started = Date.now();
      const tally = await runHttpCases(net.app.baseUrl, cases);
      check('audit filters', tally, Date.now() - started);
    });

    it('Beckn bodies signed by a registered BAP to the BPP endpoint', async () => {
      const started = Date.now();
      const tally = await runHttpCases(net.app.baseUrl, becknCases(true));
      check('beckn bodies to /beckn/bpp', tally, Date.now() - started);
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched');
    });

    it('Beckn bodies signed by a registered BPP to the BAP endpoint', async () => {
      const started = Date.now();
      const tally = await runHttpCases(net.app.baseUrl, becknCases(false));
      check('beckn bodies to /beckn/bap', tally, Date.now() - started);
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched');
    });

    it('every internal REST input of the rider, driver, operator and admin routes (bodies, query strings, path parameters from /openapi.json)', async () => {
      const document = (await (await fetch(`${net.app.baseUrl}/openapi.json`)).json()) as any;
      const routes = Object.entries(document.paths as Record<string, Record<string, any>>)
        .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })))
        .filter((r) => /^\/(rider|driver|provider|admin)\//.test(r.path));
      assert.ok(routes.length >= 40, `${routes.length} routes`);
      const schemaOf = (op: any, where: 'body' | 'query') => {
        if (where === 'body') {
          const ref = op.requestBody?.content?.['application/json']?.schema;
          const resolved = ref?.$ref ? document.components.schemas[ref.$ref.split('/').pop()] : ref;
          return resolved as { properties?: Record<string, unknown> } | undefined;
        }
        const names = ((op.parameters ?? []) as { in: string; name: string }[]).filter((p) => p.in === 'query').map((p) => p.name);
        return { properties: Object.fromEntries(names.map((n) => [n, {}])) };
      };
      const value = fc.oneof(
        { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
        { weight: 3, arbitrary: hostileString },
        { weight: 1, arbitrary: fc.integer().map(String) },
        { weight: 1, arbitrary: fc.double().map(String) },
        { weight: 1, arbitrary: fc.constantFrom(true, false, 0, -1, 1e308, null, [], {}, 'true', '1') },
      );
      const arbitraryCase = fc.constantFrom(...routes).chain((route) => {
        const bodyKeys = Object.keys(schemaOf(route.op, 'body')?.properties ?? {});
        const queryKeys = Object.keys(schemaOf(route.op, 'query')?.properties ?? {});
        const keys = (known: string[]) => fc.oneof(fc.constantFrom(...(known.length ? known : ['x'])), fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.string({ maxLength: 10 }));
        return fc.record({
          route: fc.constant(route),
          params: fc.array(hostileSegment, { minLength: 4, maxLength: 4 }),
          body: fc.oneof(
            { weight: 6, arbitrary: fc.dictionary(keys(bodyKeys), value, { maxKeys: 6 }).map((o) => JSON.stringify(o)) },
            { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
            { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"polluted":"yes"}}', '{"constructor":{"prototype":{"polluted":"yes"}}}', '{"a":1,"a":2}', '{', '[', '"\\ud800"', '1e99999', '{"x":' + '['.repeat(5000) + ']'.repeat(5000) + '}') },
          ),
          query: fc.dictionary(keys(queryKeys), fc.oneof(hostileString, fc.array(hostileString, { maxLength: 3 })), { maxKeys: 5 }),
        });
      });
      const cases: HttpCase[] = fc.sample(arbitraryCase, { seed: fuzzSeed, numRuns: fuzzRuns }).map(({ route, params, body, query }) => {
        let i = 0;
        const path = route.path.replace(/\{\w+\}/g, () => params[i++ % params.length] || 'x');
        const search = new URLSearchParams();
        for (const [k, v] of Object.entries(query)) for (const item of Array.isArray(v) ? v : [v]) search.append(k, item.replace(/[\ud800-\udfff]/g, '?'));
        const scheme = (route.op.security?.[0] ? Object.keys(route.op.security[0])[0] : 'adminToken') as string;
        const hasBody = route.method !== 'get' && route.method !== 'delete';
        return {
          method: route.method.toUpperCase(),
          path: `${path}${search.size ? `?${search}` : ''}`,
          headers: { authorization: `Bearer ${tokens[scheme] ?? tokens.adminToken}`, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
          ...(hasBody ? { body } : {}),
          label: `${route.method} ${route.path}`,
        };
      });
      const started = Date.now();
      const tally = await runHttpCases(net.app.baseUrl, cases);
      check('REST inputs', tally, Date.now() - started);
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched');
    });

    it('the process still answers /health/live and its heap is within 128 MiB of where it started', async () => {
      const live = await fetch(`${net.app.baseUrl}/health/live`);
      assert.equal(live.status, 200);
      const heapAfter = heapUsedMiB();
      tallies.push(`fuzz: heap ${heapBefore.toFixed(1)} MiB before the HTTP targets, ${heapAfter.toFixed(1)} MiB after (after a full GC; bound +128 MiB); /health/live ${live.status}`);
      assert.ok(heapAfter - heapBefore < 128, `heap grew ${(heapAfter - heapBefore).toFixed(1)} MiB`);
    });
  });
});
