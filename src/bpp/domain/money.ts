/**
 * Decimal money without floating point: an amount is a bigint count of the
 * currency's minor unit (paise for INR), so sums are exact and rounding only
 * happens where a rate is applied, explicitly, half away from zero.
 */
export interface Money {
  readonly currency: string;
  /** Amount in minor units (10^-scale of the major unit). */
  readonly minor: bigint;
}

/** Minor-unit digits per ISO 4217 currency; a currency missing here is rejected rather than guessed. */
const CURRENCY_SCALES: Readonly<Record<string, number>> = {
  INR: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  AED: 2,
  SGD: 2,
  JPY: 0,
  KWD: 3,
};

const DECIMAL_PATTERN = /^(-)?(\d+)(?:\.(\d+))?$/;

export function currencyScale(currency: string): number {
  const scale = CURRENCY_SCALES[currency];
  if (scale === undefined) throw new RangeError(`unsupported currency ${JSON.stringify(currency)}`);
  return scale;
}

export function fromMinor(minor: bigint, currency: string): Money {
  currencyScale(currency);
  return { currency, minor };
}

export function zero(currency: string): Money {
  return fromMinor(0n, currency);
}

/**
 * Parses a decimal amount ("123.5", "-4", "0.05"). More fractional digits than
 * the currency has is an error, never a silent rounding.
 */
export function parseMoney(amount: string, currency: string): Money {
  const scale = currencyScale(currency);
  const match = DECIMAL_PATTERN.exec(amount.trim());
  if (!match) throw new RangeError(`not a decimal amount: ${JSON.stringify(amount)}`);
  const [, sign, whole = '0', fraction = ''] = match;
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > scale) {
    throw new RangeError(`${amount} has more than ${scale} decimals for ${currency}`);
  }
  const minor = BigInt(whole + fraction.slice(0, scale).padEnd(scale, '0'));
  return { currency, minor: sign ? -minor : minor };
}

/** The Beckn price string: fixed decimals of the currency, e.g. "123.50". */
export function formatMoney(money: Money): string {
  const scale = currencyScale(money.currency);
  const negative = money.minor < 0n;
  const digits = (negative ? -money.minor : money.minor).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

export function add(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return { currency: a.currency, minor: a.minor + b.minor };
}

export function subtract(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return { currency: a.currency, minor: a.minor - b.minor };
}

export function sum(amounts: readonly Money[], currency: string): Money {
  return amounts.reduce(add, zero(currency));
}

export function compare(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  return a.minor < b.minor ? -1 : a.minor > b.minor ? 1 : 0;
}

/** An exact decimal factor: `units` × 10^-scale (e.g. 1.25 is { units: 125n, scale: 2 }). */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

export function parseDecimal(text: string): Decimal {
  const match = DECIMAL_PATTERN.exec(text.trim());
  if (!match) throw new RangeError(`not a decimal: ${JSON.stringify(text)}`);
  const [, sign, whole = '0', fraction = ''] = match;
  const units = BigInt(whole + fraction);
  return { units: sign ? -units : units, scale: fraction.length };
}

/** Multiplies by a decimal factor, rounding to the minor unit half away from zero. */
export function multiply(money: Money, factor: Decimal | string): Money {
  const { units, scale } = typeof factor === 'string' ? parseDecimal(factor) : factor;
  return multiplyRatio(money, units, 10n ** BigInt(scale));
}

/**
 * Multiplies by numerator/denominator (e.g. seconds/60 for a per-minute rate)
 * with one rounding at the end, half away from zero.
 */
export function multiplyRatio(money: Money, numerator: bigint, denominator: bigint): Money {
  if (denominator === 0n) throw new RangeError('division by zero');
  return { currency: money.currency, minor: divideRoundHalfUp(money.minor * numerator, denominator) };
}

/** n / d rounded to the nearest integer, ties away from zero. */
export function divideRoundHalfUp(n: bigint, d: bigint): bigint {
  const negative = n < 0n !== d < 0n;
  const absN = n < 0n ? -n : n;
  const absD = d < 0n ? -d : d;
  const rounded = (2n * absN + absD) / (2n * absD);
  return negative ? -rounded : rounded;
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new RangeError(`currency mismatch: ${a.currency} and ${b.currency}`);
}
