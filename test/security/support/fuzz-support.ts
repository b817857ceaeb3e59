import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mapLimit } from './concurrency.js';

/** The seed of every fuzz run (FUZZ_SEED replays another); printed by each suite. */
export const fuzzSeed = Number(process.env.FUZZ_SEED ?? 20261205);
/** Cases per target (FUZZ_RUNS; at least 10,000 by default). */
export const fuzzRuns = Number(process.env.FUZZ_RUNS ?? 10_000);

/** A full GC, exposed at run time (mocha does not start node with --expose-gc). */
export function collectGarbage(): void {
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

export function heapUsedMiB(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

export interface HttpCase {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** What the case is, for the failure report. */
  label?: string;
}

export interface Outcome {
  status: number;
  type: string;
  text: string;
}

export interface Tally {
  cases: number;
  s2xx: number;
  s4xx: number;
  s5xx: number;
  other: number;
  failures: string[];
}

/** Is this error answer a JSON body with an `error` object (the REST error shape and the Beckn NACK both have one)? */
export function isJsonError(outcome: Outcome): boolean {
  if (!/application\/json/i.test(outcome.type)) return false;
  try {
    const parsed = JSON.parse(outcome.text) as { error?: unknown };
    return typeof parsed === 'object' && parsed !== null && typeof parsed.error === 'object' && parsed.error !== null;
  } catch {
    return false;
  }
}

/**
 * Sends every case over HTTP (keep-alive, `concurrency` in flight) and tallies
 * the answers; a 5xx, a network failure or an error answer that is not a JSON
 * error body is a failure, reported with the case's index under the seed.
 */
export async function runHttpCases(baseUrl: string, cases: readonly HttpCase[], concurrency = 16): Promise<Tally> {
  const tally: Tally = { cases: cases.length, s2xx: 0, s4xx: 0, s5xx: 0, other: 0, failures: [] };
  await mapLimit(cases, concurrency, async (c, index) => {
    let outcome: Outcome;
    try {
      const controller = new AbortController();
      // A request left unanswered is a failure too (a hung handler), not a hung suite.
      const timer = setTimeout(() => controller.abort(), 30_000);
      const response = await fetch(baseUrl + c.path, {
        method: c.method,
        headers: c.headers ?? {},
        ...(c.body === undefined ? {} : { body: c.body }),
        signal: controller.signal,
      });
      const type = response.headers.get('content-type') ?? '';
      // A stream (server-sent events) answered 200 is not read to its end.
      const text = type.includes('event-stream') ? '' : await response.text();
      clearTimeout(timer);
      controller.abort();
      outcome = { status: response.status, type, text };
    } catch (error) {
      tally.failures.push(`case ${index} (${c.label ?? ''} ${c.method} ${c.path.slice(0, 120)}): request failed: ${String(error)}`);
      return;
    }
    if (outcome.status >= 200 && outcome.status < 300) tally.s2xx += 1;
    else if (outcome.status >= 400 && outcome.status < 500) tally.s4xx += 1;
    else if (outcome.status >= 500) tally.s5xx += 1;
    else tally.other += 1;
    const bodyShown = typeof c.body === 'string' ? c.body.slice(0, 200) : c.body ? c.body.subarray(0, 200).toString('latin1') : '';
    if (outcome.status >= 500) tally.failures.push(`case ${index} (${c.label ?? ''} ${c.method} ${c.path.slice(0, 160)} ${bodyShown}): ${outcome.status} ${outcome.text.slice(0, 300)}`);
    else if (outcome.status >= 400 && !isJsonError(outcome)) tally.failures.push(`case ${index} (${c.label ?? ''} ${c.method} ${c.path.slice(0, 160)}): ${outcome.status} not a JSON error body: ${outcome.type} ${outcome.text.slice(0, 200)}`);
  });
  return tally;
}

export function describeTally(target: string, tally: Tally, ms: number): string {
  return `fuzz: ${target} ${tally.cases} cases, 2xx ${tally.s2xx}, 4xx ${tally.s4xx}, 5xx ${tally.s5xx}${tally.other ? `, other ${tally.other}` : ''} (${ms} ms, seed ${fuzzSeed})`;
}
