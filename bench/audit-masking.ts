/**
 * `npx tsx bench/audit-masking.ts [--runs 5]`: what audit masking costs per
 * body shape, against the regular expression the email rule used to be, and
 * how long one response's whole masking budget takes to spend. No services
 * needed; times are the median of the runs on this machine.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadPiiRules } from '../src/audit/read/index.js';
import { createMaskBudget, defaultMaskBudgetUnits } from '../src/audit/read/mask-budget.js';
import { findEmailAddresses } from '../src/audit/read/pii-finders.js';
import { maskedBody, maskedBodyPaced } from '../src/audit/read/pii-masking.js';
import { positiveInteger, print, sleep } from './bench-support.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = positiveInteger('--runs', values.runs);
const mebibyte = 1024 * 1024;
const replacedRegex = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/gu;

function medianMs(work: () => void): number {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] as number;
}

const rules = await loadPiiRules();
const ms = (value: number) => value.toFixed(1).padStart(9);

print('email in free text: letters without @, the regex replaced against the scanner');
print('| characters | regex ms | scanner ms |');
for (const length of [5_000, 10_000, 20_000, 40_000]) {
  const text = 'a'.repeat(length);
  print(`| ${length} | ${ms(medianMs(() => text.replace(replacedRegex, '')))} | ${ms(medianMs(() => findEmailAddresses(text)))} |`);
}
print(`| ${mebibyte} | (not run: minutes) | ${ms(medianMs(() => findEmailAddresses('a'.repeat(mebibyte))))} |`);

const ride = JSON.stringify({
  context: { action: 'on_confirm' },
  message: { order: { fulfillments: [{ customer: { person: { name: 'Asha Verma' }, contact: { phone: '9876543210' } } }] }, note: 'n '.repeat(1_800) },
});
const shapes: [string, string][] = [
  ['4 KiB ride', ride],
  ['1 MiB of letters', JSON.stringify({ note: 'a'.repeat(mebibyte) })],
  ['1 MiB of "a@"', JSON.stringify({ note: 'a@'.repeat(mebibyte / 2) })],
  ['1 MiB domain "x@b.b.b…"', JSON.stringify({ note: `x@${'b.'.repeat(mebibyte / 2)}` })],
  ['1 MiB of zeros in an array', JSON.stringify(new Array(mebibyte / 2).fill(0))],
  ['1 MiB of one-key objects', JSON.stringify(Array.from({ length: mebibyte / 16 }, () => ({ phone: 1 })))],
  ['array 20,000 deep (41 KB)', `${'['.repeat(20_000)}${']'.repeat(20_000)}`],
];

print();
print('per body (shipped rules): maskedBody in one go, and the longest event-loop stall while maskedBodyPaced masks it');
print('| body | characters | ms | budget units | units per ms | longest stall paced, ms |');
let slowest = Number.POSITIVE_INFINITY;
for (const [label, raw_body] of shapes) {
  const record = { raw_body, body_encoding: 'utf8' as const, body_truncated: false };
  const budget = createMaskBudget(Number.MAX_SAFE_INTEGER);
  maskedBody(record, rules, budget);
  const time = medianMs(() => maskedBody(record, rules));
  const rate = budget.spent / time;
  if (raw_body.length >= mebibyte) slowest = Math.min(slowest, rate);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  await maskedBodyPaced(record, rules, createMaskBudget());
  // The monitor's timer records a stall when it fires late, so give it a turn after the last stretch.
  await sleep(5);
  delay.disable();
  print(`| ${label} | ${raw_body.length} | ${ms(time)} | ${budget.spent} | ${rate.toFixed(0)} | ${ms(delay.max / 1e6)} |`);
}
print();
print(`a whole response budget (${defaultMaskBudgetUnits} units) at the slowest 1 MiB shape: about ${(defaultMaskBudgetUnits / slowest).toFixed(0)} ms of CPU`);
