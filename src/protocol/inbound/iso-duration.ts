const pattern = /^P(?!$)(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Units in milliseconds; years and months use their average lengths (a ttl is never that long in practice). */
const unitMs = [365.25 * 86_400_000, 30.44 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000];

/**
 * Milliseconds of an ISO-8601 duration such as `PT30S`, or null when the text
 * is not one (Beckn examples carry forms like `P120S` that are not).
 */
export function parseIsoDuration(text: string): number | null {
  const match = pattern.exec(text);
  if (!match) return null;
  let total = 0;
  for (let i = 0; i < unitMs.length; i++) {
    const value = match[i + 1];
    if (value !== undefined) total += Number(value) * (unitMs[i] as number);
  }
  return Math.round(total);
}
