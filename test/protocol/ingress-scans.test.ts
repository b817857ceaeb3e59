import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hasArrayLongerThan, MAX_ARRAY_ITEMS, MAX_JSON_DEPTH, nestsDeeperThan } from '../../src/protocol/inbound/json-depth.js';
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

  describe('array length', () => {
    const array = (items: number) => `[${Array.from({ length: items }, (_, i) => `{"n":${i},"tags":[1,2,3]}`).join(',')}]`;

    it(`lets ${MAX_ARRAY_ITEMS} items through and refuses ${MAX_ARRAY_ITEMS + 1}, at any depth`, () => {
      assert.equal(hasArrayLongerThan(Buffer.from(array(MAX_ARRAY_ITEMS)), MAX_ARRAY_ITEMS), false);
      assert.equal(hasArrayLongerThan(Buffer.from(array(MAX_ARRAY_ITEMS + 1)), MAX_ARRAY_ITEMS), true);
      assert.equal(hasArrayLongerThan(Buffer.from(`{"message":{"intent":{"tags":${array(MAX_ARRAY_ITEMS + 1)}}}}`), MAX_ARRAY_ITEMS), true);
    });

    it('counts the items of each array, not commas of objects, nested arrays or strings', () => {
      const manyKeys = `{${Array.from({ length: 5_000 }, (_, i) => `"k${i}":1`).join(',')}}`;
      assert.equal(hasArrayLongerThan(Buffer.from(manyKeys), 10), false, 'object members are not items');
      assert.equal(hasArrayLongerThan(Buffer.from(`[[${'1,'.repeat(9)}1],[${'1,'.repeat(9)}1],"${','.repeat(100)}"]`), 10), false);
      assert.equal(hasArrayLongerThan(Buffer.from(`[[${'1,'.repeat(10)}1]]`), 10), true, 'an inner array of 11');
    });

    it('passes every official Beckn and ONDC example', () => {
      const tooLong = jsonFiles(examplesRoot).filter((path) => hasArrayLongerThan(readFileSync(path), MAX_ARRAY_ITEMS));
      assert.deepEqual(tooLong, []);
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
