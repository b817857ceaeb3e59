/**
 * `npm run bench:rider`: the rider side's callback path in one run on this
 * machine. R rider searches are started through the rider API; our gateway
 * forwards each to K fake BPPs, and each BPP's on_search (a catalog of a few
 * items, signed beforehand with that BPP's key) is POSTed to our BAP at
 * concurrency c. Three targets get the same batch shape at the same
 * concurrency:
 *
 *   applied  our BAP with its on_search handler: estimates written before the ACK
 *   inbox    our BAP without rider-side handlers: the callback is only queued
 *   bare     an express endpoint answering ACK (the exact bodies of `applied`)
 *
 * and for a few searches the time from a callback's ACK until the rider's
 * event stream (GET /rider/searches/:id/events) shows its estimate.
 *
 *   npm run bench:rider -- --searches 200 --bpps 3 --concurrency 16,64
 *
 * Each option also reads an environment variable: BENCH_RIDER_SEARCHES,
 * BENCH_RIDER_BPPS, BENCH_RIDER_ITEMS, BENCH_CONCURRENCY,
 * BENCH_RIDER_SSE_SAMPLES, BENCH_RIDER_WARMUP_SEARCHES,
 * BENCH_SETTLE_TIMEOUT_MS. Needs Postgres and Redis (`bash scripts/services.sh up`).
 */
import { parseArgs } from 'node:util';
import { startBaselineServer, type BaselineServer } from './baseline-server.js';
import { busyAndTotal, closeAll, positiveInteger, print, runBenchmark, sleep, stopOnSignal } from './bench-support.js';
import { machineLines, markdownTable } from './report.js';
import { runBatch, type BatchResult, type PreparedPost } from './rider-load.js';
import { startRiderTarget, type CallbackKey, type RiderTarget, type StartedSearch } from './rider-target.js';

interface Options {
  searches: number;
  bpps: number;
  items: number;
  concurrencies: number[];
  sseSamples: number;
  warmupSearches: number;
  settleTimeoutMs: number;
}

type Target = 'applied' | 'inbox' | 'bare';

interface Row {
  target: Target;
  concurrency: number;
  result: BatchResult;
  acks: number;
  nacks: number;
  errors: number;
  nackKinds: Record<string, number>;
  samples: string[];
  latency: { p50: number; p95: number; p99: number };
  serverCpuPercent: number;
  machineBusyPercent: number;
  /** applied: estimates stored afterwards / expected; inbox: entries queued / expected. */
  stored?: { found: number; expected: number; what: string };
  /** inbox: seconds after the last ACK until the inbox worker had settled every queued callback (null: not within the settle timeout). */
  drainSeconds?: number | null;
}

interface SseRow {
  concurrency: number;
  expected: number;
  /** The client had the ACK → the estimate was on the event stream, ms; negative when the event came first. */
  afterAck: number[];
  /** The BPP sent its on_search → the estimate was on the event stream, ms. */
  afterSend: number[];
  /** How far the client's clock, brought to ours, may be off. */
  clockUncertaintyMs: number;
  missed: number;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      searches: { type: 'string' },
      bpps: { type: 'string' },
      items: { type: 'string' },
      concurrency: { type: 'string' },
      'sse-samples': { type: 'string' },
      'warmup-searches': { type: 'string' },
      'settle-timeout': { type: 'string' },
    },
  });
  const env = process.env;
  return {
    searches: positiveInteger('searches', values.searches ?? env.BENCH_RIDER_SEARCHES ?? '200'),
    bpps: positiveInteger('bpps', values.bpps ?? env.BENCH_RIDER_BPPS ?? '3'),
    items: positiveInteger('items', values.items ?? env.BENCH_RIDER_ITEMS ?? '3'),
    concurrencies: (values.concurrency ?? env.BENCH_CONCURRENCY ?? '16,64').split(',').map((c) => positiveInteger('concurrency', c)),
    sseSamples: positiveInteger('sse-samples', values['sse-samples'] ?? env.BENCH_RIDER_SSE_SAMPLES ?? '5'),
    warmupSearches: positiveInteger('warmup-searches', values['warmup-searches'] ?? env.BENCH_RIDER_WARMUP_SEARCHES ?? '20'),
    settleTimeoutMs: positiveInteger('settle-timeout', values['settle-timeout'] ?? env.BENCH_SETTLE_TIMEOUT_MS ?? '120000'),
  };
}

const nowEpoch = () => performance.timeOrigin + performance.now();
/** Rider searches started at once while a batch is prepared. */
const SEARCH_PARALLELISM = 8;
const REQUEST_TIMEOUT_MS = 30_000;

function percentile(values: number[], p: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** A batch ready to post: searches started, forwarded to every fake BPP, their on_search bodies signed. */
interface Batch {
  searches: StartedSearch[];
  requests: PreparedPost[];
  keys: CallbackKey[];
}

async function prepare(target: RiderTarget, count: number, options: Options): Promise<Batch> {
  const searches = await target.startSearches(count, SEARCH_PARALLELISM);
  const forwarded = await target.forwarded(searches, options.settleTimeoutMs);
  if (!(await target.settle(options.settleTimeoutMs))) throw new Error(`${target.mode}: the outbox or inbox did not drain before the batch`);
  return { searches, ...target.callbacks(searches, forwarded, options.items) };
}

async function post(target: Target, url: string, concurrency: number, requests: PreparedPost[]): Promise<Row> {
  let cpuAtStart = process.cpuUsage();
  let cpu = { user: 0, system: 0 };
  let machineAtStart = busyAndTotal();
  let machineNow = machineAtStart;
  // The child's window opens before its first request and closes with its last answer (one IPC hop each way).
  const result = await runBatch(
    { url, concurrency, requestTimeoutMs: REQUEST_TIMEOUT_MS, requests },
    {
      start: () => {
        cpuAtStart = process.cpuUsage();
        machineAtStart = busyAndTotal();
      },
      end: () => {
        cpu = process.cpuUsage(cpuAtStart);
        machineNow = busyAndTotal();
      },
    },
  );
  const ackLatencies: number[] = [];
  const nackKinds: Record<string, number> = {};
  const samples: string[] = [];
  let nacks = 0;
  let errors = 0;
  for (const outcome of result.outcomes) {
    if (outcome.kind === 'ack') ackLatencies.push(outcome.latencyMs);
    else {
      if (outcome.kind === 'nack') nacks += 1;
      else errors += 1;
      const kind = `${outcome.kind} ${outcome.detail ?? ''}`.trim();
      nackKinds[kind] = (nackKinds[kind] ?? 0) + 1;
      if (outcome.sample && samples.length < 3) samples.push(outcome.sample);
    }
  }
  const row: Row = {
    target,
    concurrency,
    result,
    acks: ackLatencies.length,
    nacks,
    errors,
    nackKinds,
    samples,
    latency: { p50: percentile(ackLatencies, 50), p95: percentile(ackLatencies, 95), p99: percentile(ackLatencies, 99) },
    serverCpuPercent: ((cpu.user + cpu.system) / 1000 / result.windowMs) * 100,
    machineBusyPercent: ((machineNow.busy - machineAtStart.busy) / (machineNow.total - machineAtStart.total)) * 100,
  };
  return row;
}

function phaseLine(row: Row): string {
  const rate = row.acks / (row.result.windowMs / 1000);
  const stored = row.stored ? `, ${row.stored.what} ${row.stored.found}/${row.stored.expected}` : '';
  const drained = row.drainSeconds === undefined ? '' : row.drainSeconds === null ? ', inbox NOT DRAINED' : `, inbox drained ${row.drainSeconds.toFixed(2)} s after the last ACK`;
  return `  ${row.target} c${row.concurrency}: ${row.acks} ACK in ${(row.result.windowMs / 1000).toFixed(2)} s (${Math.round(rate)}/s), p50 ${row.latency.p50.toFixed(2)} ms, p95 ${row.latency.p95.toFixed(2)} ms, ${row.nacks} NACK, ${row.errors} errors${stored}${drained}`;
}

/** Opens the event streams of a few searches spread over the batch and waits for each sampled BPP's first estimate. */
function watchEstimates(target: RiderTarget, batch: Batch, samples: number, timeoutMs: number) {
  const step = Math.max(1, Math.floor(batch.searches.length / samples));
  const chosen = batch.searches.filter((_, i) => i % step === 0).slice(0, samples);
  const readers = chosen.map((search) => ({ search, reader: target.events(search.searchId) }));
  const arrivals: { index: number; at: Promise<number | null> }[] = [];
  for (const { search, reader } of readers) {
    for (const [index, key] of batch.keys.entries()) {
      if (key.searchId !== search.searchId) continue;
      arrivals.push({
        index,
        at: reader.next((e) => e.event === 'estimate' && e.data?.bppId === key.bppId, timeoutMs).then(
          () => nowEpoch(),
          () => null,
        ),
      });
    }
  }
  return {
    async delays(result: BatchResult): Promise<{ afterAck: number[]; afterSend: number[]; missed: number; expected: number; clockUncertaintyMs: number }> {
      const afterAck: number[] = [];
      const afterSend: number[] = [];
      let missed = 0;
      for (const arrival of arrivals) {
        const at = await arrival.at;
        const outcome = result.outcomes[arrival.index];
        if (at === null || !outcome || outcome.kind !== 'ack') {
          missed += 1;
          continue;
        }
        // The child's clock, brought to ours.
        const answeredAt = outcome.answeredAt - result.clockOffsetMs;
        afterAck.push(at - answeredAt);
        afterSend.push(at - (answeredAt - outcome.latencyMs));
      }
      return { afterAck, afterSend, missed, expected: arrivals.length, clockUncertaintyMs: result.clockUncertaintyMs };
    },
    close: () => {
      for (const { reader } of readers) reader.close();
    },
  };
}

async function round(
  concurrency: number,
  count: number,
  targets: { applied: RiderTarget; inbox: RiderTarget; bare: BaselineServer },
  options: Options,
  checkStop: () => void,
): Promise<{ rows: Row[]; sse: SseRow }> {
  const [appliedBatch, inboxBatch] = await Promise.all([prepare(targets.applied, count, options), prepare(targets.inbox, count, options)]);
  checkStop();
  const rows: Row[] = [];
  // The bare endpoint gets the exact bytes the applied BAP gets next.
  rows.push(await post('bare', targets.bare.url, concurrency, appliedBatch.requests));
  checkStop();
  const inbox = await post('inbox', targets.inbox.callbackUrl, concurrency, inboxBatch.requests);
  // The queued callbacks are still to be worked off; the applied batch starts once they are.
  const drainStarted = performance.now();
  inbox.drainSeconds = (await targets.inbox.settle(options.settleTimeoutMs)) ? (performance.now() - drainStarted) / 1000 : null;
  const queued = await targets.inbox.inboxOf(inboxBatch.searches.map((s) => s.transactionId));
  inbox.stored = { found: Object.values(queued).reduce((a, b) => a + b, 0), expected: inboxBatch.requests.length, what: 'inbox entries' };
  rows.push(inbox);
  checkStop();
  const watch = watchEstimates(targets.applied, appliedBatch, options.sseSamples, REQUEST_TIMEOUT_MS + 30_000);
  await sleep(500);
  const applied = await post('applied', targets.applied.callbackUrl, concurrency, appliedBatch.requests);
  const sse = await watch.delays(applied.result);
  watch.close();
  applied.stored = {
    found: await targets.applied.estimatesOf(appliedBatch.searches.map((s) => s.searchId)),
    expected: appliedBatch.requests.length * options.items,
    what: 'estimates',
  };
  rows.push(applied);
  return { rows, sse: { concurrency, ...sse } };
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');
const rate = (row: Row) => row.acks / (row.result.windowMs / 1000);

function phaseTable(rows: Row[]): string {
  return markdownTable(
    ['target', 'conc', 'callbacks', 'ACK/s', 'p50 ms', 'p95 ms', 'p99 ms', 'NACK', 'errors', 'stored', 'drained', 'server CPU', 'client CPU', 'machine busy'],
    rows.map((r) => [
      r.target,
      String(r.concurrency),
      String(r.result.outcomes.length),
      int(rate(r)),
      ms(r.latency.p50),
      ms(r.latency.p95),
      ms(r.latency.p99),
      String(r.nacks),
      String(r.errors),
      r.stored ? `${r.stored.found}/${r.stored.expected}` : '-',
      r.drainSeconds === undefined ? '-' : r.drainSeconds === null ? 'NOT DRAINED' : `${r.drainSeconds.toFixed(2)} s`,
      `${Math.round(r.serverCpuPercent)}%`,
      `${Math.round(r.result.clientCpuPercent)}%`,
      `${Math.round(r.machineBusyPercent)}%`,
    ]),
    [false, true, true, true, true, true, true, true, true, true, true, true, true, true],
  );
}

function ratioTable(rows: Row[], concurrencies: number[]): string {
  const lines: string[][] = [];
  for (const concurrency of concurrencies) {
    const find = (target: Target) => rows.find((r) => r.target === target && r.concurrency === concurrency);
    const applied = find('applied');
    const inbox = find('inbox');
    const bare = find('bare');
    if (!applied || !inbox || !bare) continue;
    const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? (a / b).toFixed(2) : '-');
    lines.push([
      String(concurrency),
      int(rate(applied)),
      int(rate(inbox)),
      int(rate(bare)),
      ratio(rate(applied), rate(inbox)),
      ratio(rate(inbox), rate(bare)),
      ratio(rate(applied), rate(bare)),
      ratio(applied.latency.p50, inbox.latency.p50),
      ratio(applied.latency.p95, inbox.latency.p95),
    ]);
  }
  return markdownTable(
    ['conc', 'applied/s', 'inbox/s', 'bare/s', 'applied ÷ inbox', 'inbox ÷ bare', 'applied ÷ bare', 'p50 applied ÷ inbox', 'p95 applied ÷ inbox'],
    lines,
    [true, true, true, true, true, true, true, true, true],
  );
}

function sseTable(rows: SseRow[]): string {
  return markdownTable(
    ['conc', 'sampled callbacks', 'seen', 'after ACK p50 ms', 'p95 ms', 'min ms', 'max ms', 'after send p50 ms', 'p95 ms', 'clock ±ms'],
    rows.map((r) => [
      String(r.concurrency),
      String(r.expected),
      String(r.afterAck.length),
      ms(percentile(r.afterAck, 50)),
      ms(percentile(r.afterAck, 95)),
      ms(Math.min(...r.afterAck)),
      ms(Math.max(...r.afterAck)),
      ms(percentile(r.afterSend, 50)),
      ms(percentile(r.afterSend, 95)),
      ms(r.clockUncertaintyMs),
    ]),
    [true, true, true, true, true, true, true, true, true, true],
  );
}

/** The loud part: a NACK, an error, a missing estimate or event makes the run's figures suspect. */
function failureLines(rows: Row[], sse: SseRow[]): string[] {
  const lines: string[] = [];
  for (const r of rows) {
    if (r.nacks > 0 || r.errors > 0) {
      lines.push(`${r.target} c${r.concurrency}: ${r.nacks} NACK, ${r.errors} errors ${JSON.stringify(r.nackKinds)}`);
      for (const sample of r.samples) lines.push(`  answer: ${sample}`);
    }
    if (r.drainSeconds === null) lines.push(`${r.target} c${r.concurrency}: the inbox did not drain within the settle timeout`);
    if (r.stored && r.stored.found !== r.stored.expected) lines.push(`${r.target} c${r.concurrency}: ${r.stored.found} ${r.stored.what} stored, ${r.stored.expected} expected`);
  }
  for (const s of sse) if (s.missed > 0) lines.push(`c${s.concurrency}: ${s.missed} of ${s.expected} sampled estimates never reached the event stream`);
  if (lines.length === 0) return [];
  return ['', '!'.repeat(78), '!!! FAILURES DURING A MEASURED BATCH: THESE FIGURES ARE NOT VALID', '!'.repeat(78), ...lines];
}

async function main(): Promise<number> {
  const options = readOptions();
  print('# beckn-ride rider-side callback benchmark');
  for (const line of machineLines(new Date())) print(line);
  print(
    `options: ${options.searches} searches × ${options.bpps} BPPs per batch (on_search of ${options.items} items each), concurrency ${options.concurrencies.join(', ')}, ` +
      `${options.sseSamples} searches watched on the event stream, warm-up ${options.warmupSearches} searches per target`,
  );
  print();

  const { checkStop } = stopOnSignal();

  const rows: Row[] = [];
  const sse: SseRow[] = [];
  let applied: RiderTarget | null = null;
  let inbox: RiderTarget | null = null;
  let bare: BaselineServer | null = null;
  let dead = '';
  try {
    print('starting two BAPs (full profile: Postgres + Redis, no Kafka), the fake BPPs and the bare endpoint ...');
    applied = await startRiderTarget('applied', options.bpps);
    inbox = await startRiderTarget('inbox', options.bpps);
    bare = await startBaselineServer(applied.bodyLimitBytes);
    const targets = { applied, inbox, bare };
    print(`warm-up: ${options.warmupSearches} searches per target at concurrency ${options.concurrencies[0]} (not reported)`);
    await round(options.concurrencies[0] ?? 16, options.warmupSearches, targets, options, checkStop);
    for (const concurrency of options.concurrencies) {
      checkStop();
      const result = await round(concurrency, options.searches, targets, options, checkStop);
      for (const row of result.rows) print(phaseLine(row));
      rows.push(...result.rows);
      sse.push(result.sse);
    }
    const backlogs = await Promise.all([applied.backlog(), inbox.backlog()]);
    dead = `dead letters: applied BAP ${backlogs[0].dead}, inbox-only BAP ${backlogs[1].dead}`;
  } finally {
    await closeAll([bare?.close(), applied?.close(), inbox?.close()]);
  }

  print();
  print('## on_search fan-in: applied before the ACK vs queued in the inbox vs a bare express ACK');
  print(phaseTable(rows));
  print();
  print(ratioTable(rows, options.concurrencies));
  print('stored: estimates in atlas_app.estimate (applied) or on_search inbox entries (inbox) afterwards, of those expected;');
  print('drained: after the inbox batch, until the inbox worker had settled every queued callback (no handler: each is marked done).');
  print();
  print('## ACK of an on_search → its estimate on the rider\'s event stream (GET /rider/searches/:id/events)');
  print(sseTable(sse));
  print('after ACK: from the moment the client had the ACK (negative: the stream showed the estimate first — it is announced at commit, before the ACK is written);');
  print('after send: from the moment the BPP posted the on_search. The client\'s clock is brought to ours with one IPC ping per batch.');
  print(dead);
  const failures = failureLines(rows, sse);
  for (const line of failures) print(line);
  return failures.length > 0 ? 1 : 0;
}

await runBenchmark('bench:rider', main);
