import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../src/protocol/inbound/json-depth.js';
import { sourceKey } from '../../src/protocol/inbound/source-address.js';
import { examplesRoot, jsonFiles } from './beckn-examples.js';

const nested = (depth: number) => Buffer.from(`${'{"a":['.repeat(Math.floor(depth / 2))}${depth % 2 ? '[1]' : '1'}${']}'.repeat(Math.floor(depth / 2))}`);

describe('ingress scans of the raw request', () => {
  describe('nesting depth', () => {
    it(`lets ${MAX_JSON_DEPTH} levels of objects and arrays through and refuses ${MAX_JSON_DEPTH + 1}`, () => {
      assert.equal(nestsDeeperThan(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH), false);
      assert.equal(nestsDeeperThan(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH), true);
    });

    it('counts levels, not brackets: siblings at one level stay one level deep', () => {
      assert.equal(nestsDeeperThan(Buffer.from(`[${'[],'.repeat(1_000)}[]]`), 2), false);
    });

    it('ignores brackets inside strings, escaped quotes included', () => {
      const text = JSON.stringify({ note: `say \\"${'['.repeat(100)}" and {{{` });
      assert.equal(nestsDeeperThan(Buffer.from(text), 1), false);
      assert.equal(nestsDeeperThan(Buffer.from(`{"k":"\\\\"${'['.repeat(5)}`), 3), true, 'an escaped backslash does not escape the closing quote');
    });

    it('finds a 20,000-level array without recursion', () => {
      assert.equal(nestsDeeperThan(Buffer.from(`${'['.repeat(20_000)}${']'.repeat(20_000)}`), MAX_JSON_DEPTH), true);
    });

    it('passes every official Beckn and ONDC example', () => {
      const tooDeep = jsonFiles(examplesRoot).filter((path) => nestsDeeperThan(readFileSync(path), MAX_JSON_DEPTH));
      assert.deepEqual(tooDeep, []);
    });
  });

  describe('source address key', () => {
    it('keeps IPv4 as is and unwraps IPv4-mapped IPv6', () => {
      assert.equal(sourceKey('203.0.113.7'), '203.0.113.7');
      assert.equal(sourceKey('::ffff:203.0.113.7'), '203.0.113.7');
    });

    it('groups IPv6 by its /64, however the address is written', () => {
      assert.equal(sourceKey('2001:db8:0:1::17'), '2001:db8:0:1::/64');
      assert.equal(sourceKey('2001:0db8:0000:0001:ffff:ffff:ffff:ffff'), '2001:db8:0:1::/64');
      assert.equal(sourceKey('2001:db8::1'), '2001:db8:0:0::/64');
      assert.equal(sourceKey('::1'), '0:0:0:0::/64');
      assert.equal(sourceKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    });

    it('names a socket without an address', () => {
      assert.equal(sourceKey(undefined), 'unknown');
    });
  });
});
