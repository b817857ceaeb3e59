const decimalPattern = /^(0|[1-9]\d{0,12})(\.\d{1,2})?$/;

/** A non-negative amount with at most two decimals, as the gateways take it. */
export function isDecimalAmount(value: string): boolean {
  return decimalPattern.test(value);
}

/**
 * Reads an amount off a gateway answer, written with two decimals ("150.50").
 * Juspay writes amounts as JSON numbers; a double parsed from a literal of at
 * most 15 significant digits prints back as that literal, so String()
 * recovers what the gateway wrote, and the pattern refuses anything that did
 * not survive (exponents, excess precision). Undefined for anything else.
 */
export function amountFromWire(value: unknown): string | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string' || !isDecimalAmount(text)) return undefined;
  const [whole, fraction = ''] = text.split('.');
  return `${whole}.${fraction.padEnd(2, '0')}`;
}

/** Amount in minor units (paise, cents) for exact sums and comparisons. */
export function toMinorUnits(amount: string): bigint {
  if (!isDecimalAmount(amount)) throw new RangeError(`not a decimal amount: ${JSON.stringify(amount)}`);
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole as string) * 100n + BigInt(fraction.padEnd(2, '0'));
}
