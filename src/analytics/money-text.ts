/**
 * Minor units of a currency (paise for INR), as business events carry money
 * in ClickHouse (amount_minor). Currencies not listed use two decimals, the
 * case of every currency beckn-ride operates in.
 */
const scales: Readonly<Record<string, number>> = { JPY: 0, KRW: 0, KWD: 3, BHD: 3, OMR: 3 };

export function currencyScale(currency: string): number {
  return scales[currency] ?? 2;
}

/** Decimal text ("182.50") as minor units, or null if the text is not a plain decimal with at most the currency's decimals. */
export function minorOf(value: unknown, currency: string): bigint | null {
  if (typeof value !== 'string') return null;
  const match = /^(-)?(\d{1,18})(?:\.(\d+))?$/.exec(value.trim());
  if (match === null) return null;
  const scale = currencyScale(currency);
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  if (fraction.length > scale) return null;
  const minor = BigInt((match[2] as string) + fraction.padEnd(scale, '0'));
  return match[1] === undefined ? minor : -minor;
}

/** Minor units as decimal text with the currency's decimals: 18250n INR -> "182.50". */
export function decimalText(minor: bigint, currency: string): string {
  const scale = currencyScale(currency);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${digits.slice(digits.length - scale)}` : ''}`;
}

/** Minor units in the major unit as a number, for charts (18250n INR -> 182.5). */
export function majorNumber(minor: bigint, currency: string | null): number {
  return Number(minor) / 10 ** currencyScale(currency ?? '');
}
