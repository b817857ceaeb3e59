import assert from 'node:assert/strict';
import {
  add,
  compare,
  formatMoney,
  fromMinor,
  multiply,
  multiplyRatio,
  parseMoney,
  subtract,
  sum,
  zero,
} from '../../../src/bpp/domain/index.js';

/** Deterministic generator, so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const SEED = 20_261_125;
const CASES = 2_000;

/** A bigint of up to `digits` decimal digits, either sign. */
function randomBigint(next: () => number, digits: number): bigint {
  const length = 1 + Math.floor(next() * digits);
  let text = '';
  for (let i = 0; i < length; i += 1) text += Math.floor(next() * 10).toString();
  const value = BigInt(text);
  return next() < 0.3 ? -value : value;
}

const abs = (n: bigint): bigint => (n < 0n ? -n : n);

describe('money', () => {
  it('parses and formats Beckn price strings with the currency scale', () => {
    assert.equal(formatMoney(parseMoney('123.5', 'INR')), '123.50');
    assert.equal(formatMoney(parseMoney('0.05', 'INR')), '0.05');
    assert.equal(formatMoney(parseMoney('-0.05', 'INR')), '-0.05');
    assert.equal(formatMoney(parseMoney('7', 'INR')), '7.00');
    assert.equal(formatMoney(parseMoney('1.230', 'INR')), '1.23', 'trailing zeros beyond the scale are not precision');
    assert.equal(formatMoney(parseMoney('500', 'JPY')), '500');
    assert.equal(formatMoney(parseMoney('1.5', 'KWD')), '1.500');
    assert.equal(parseMoney('123.45', 'INR').minor, 12345n);
  });

  it('refuses amounts it would have to round, malformed text and unknown currencies', () => {
    assert.throws(() => parseMoney('1.234', 'INR'), RangeError);
    assert.throws(() => parseMoney('5.5', 'JPY'), RangeError);
    for (const text of ['', 'abc', '1.', '.5', '1e3', '1,5', '+-1']) assert.throws(() => parseMoney(text, 'INR'), RangeError, text);
    assert.throws(() => parseMoney('1', 'XYZ'), RangeError);
    assert.throws(() => add(parseMoney('1', 'INR'), parseMoney('1', 'USD')), /currency mismatch/);
  });

  it('round-trips any amount through format and parse (property)', () => {
    const next = random(SEED);
    for (let i = 0; i < CASES; i += 1) {
      const minor = randomBigint(next, 20);
      const text = formatMoney(fromMinor(minor, 'INR'));
      assert.match(text, /^-?\d+\.\d{2}$/);
      const expected = `${minor < 0n ? '-' : ''}${abs(minor) / 100n}.${(abs(minor) % 100n).toString().padStart(2, '0')}`;
      assert.equal(text, expected, `minor ${minor}`);
      assert.equal(parseMoney(text, 'INR').minor, minor);
    }
  });

  it('adds and subtracts exactly (property)', () => {
    const next = random(SEED + 1);
    for (let i = 0; i < CASES; i += 1) {
      const minors = Array.from({ length: 1 + Math.floor(next() * 6) }, () => randomBigint(next, 18));
      const amounts = minors.map((m) => fromMinor(m, 'INR'));
      const total = minors.reduce((acc, m) => acc + m, 0n);
      assert.equal(sum(amounts, 'INR').minor, total);
      assert.equal(sum([...amounts].reverse(), 'INR').minor, total);
      const [first, second = zero('INR')] = amounts as [ReturnType<typeof zero>, ...ReturnType<typeof zero>[]];
      assert.equal(subtract(add(first, second), second).minor, first.minor);
      assert.equal(compare(first, second), first.minor < second.minor ? -1 : first.minor > second.minor ? 1 : 0);
    }
  });

  it('rounds products to the nearest minor unit, ties away from zero (property)', () => {
    const next = random(SEED + 2);
    for (let i = 0; i < CASES; i += 1) {
      const minor = randomBigint(next, 12);
      const scale = Math.floor(next() * 7);
      const units = randomBigint(next, 8);
      const digits = abs(units).toString().padStart(scale + 1, '0');
      const factor = `${units < 0n ? '-' : ''}${digits.slice(0, digits.length - scale)}${scale > 0 ? `.${digits.slice(digits.length - scale)}` : ''}`;
      const result = multiply(fromMinor(minor, 'INR'), factor).minor;
      // Exact product is minor × units / 10^scale; the error of the rounded result is at most half a unit.
      const exact = minor * units;
      const denominator = 10n ** BigInt(scale);
      const error2 = abs(result * denominator - exact) * 2n;
      assert.ok(error2 <= denominator, `${minor} × ${factor} gave ${result}`);
      if (error2 === denominator) assert.ok(abs(result * denominator) > abs(exact), `tie ${minor} × ${factor} rounds away from zero`);
    }
  });

  it('rounds hand-picked ties and per-minute ratios half up', () => {
    const inr = (text: string) => parseMoney(text, 'INR');
    assert.equal(formatMoney(multiply(inr('1'), '0.125')), '0.13');
    assert.equal(formatMoney(multiply(inr('-1'), '0.125')), '-0.13');
    assert.equal(formatMoney(multiply(inr('1'), '0.124999')), '0.12');
    assert.equal(formatMoney(multiply(inr('14.50'), '5.35')), '77.58');
    assert.equal(formatMoney(multiplyRatio(inr('2'), 90n, 60n)), '3.00');
    assert.equal(formatMoney(multiplyRatio(inr('1'), 1n, 3n)), '0.33');
    assert.equal(formatMoney(multiplyRatio(inr('2'), 1n, 3n)), '0.67');
    assert.throws(() => multiplyRatio(inr('1'), 1n, 0n), RangeError);
  });
});
