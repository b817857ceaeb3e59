/**
 * `npm run bench:workers`: the service as a real process on the full profile
 * with WORKERS=1, then with WORKERS=2 (or the counts given), each driven by
 * the same signed search load; prints ACKs/s and on_search callbacks/s for
 * each and their ratio to the first count, measured in the same run.
 *
 *   npm run bench:workers -- --workers 1,2 --duration 15000 --warmup 5000 --concurrency 32
 *
 * Each option also reads an environment variable: BENCH_WORKERS,
 * BENCH_DURATION_MS, BENCH_WARMUP_MS, BENCH_CONCURRENCY. Needs
 * `bash scripts/services.sh up`.
 */
import { parseArgs } from 'node:util';
import { startCallbackSink, startClusteredService } from '../test/process/workers-rig.js';
import { busyAndTotal, positiveInteger, print, runBenchmark, sleep } from './bench-support.js';
import { runLoad, type LoadResult } from './load-run.js';
import { machineLines, markdownTable } from './report.js';

interface Options {
  workers: number[];
  durationMs: number;
  warmupMs: number;
  concurrency: number;
}

interface Phase {
  workers: number;
  result: LoadResult;
  callbacksPerSecond: number;
  machineBusyPercent: number;
}

function readOptions(): Options {
  const { values } = parseArgs({ options: { workers: { type: 'string' }, duration: { type: 'string' }, warmup: { type: 'string' }, concurrency: { type: 'string' } } });
  const env = process.env;
  return {
    workers: (values.workers ?? env.BENCH_WORKERS ?? '1,2').split(',').map((w) => positiveInteger('workers', w)),
    durationMs: positiveInteger('duration', values.duration ?? env.BENCH_DURATION_MS ?? '15000'),
    warmupMs: positiveInteger('warmup', values.warmup ?? env.BENCH_WARMUP_MS ?? '5000'),
    concurrency: positiveInteger('concurrency', values.concurrency ?? env.BENCH_CONCURRENCY ?? '32'),
  };
}

/** Callbacks still on their way are awaited this long after the load, so the next phase starts on a quiet service. */
const SETTLE_MS = 120_000;

async function measure(workers: number, options: Options): Promise<Phase> {
  const sink = await startCallbackSink();
  const rig = await startClusteredService(workers, sink, { LOG_LEVEL: 'warn', DELIVERY_POLL_INTERVAL_MS: '250' });
  try {
    const probe = await rig.search();
    if (probe.status !== 200 || probe.ack !== 'ACK') throw new Error(`the probe search was not ACKed: ${probe.status} ${probe.ack}`);
    let callbacksAtStart = 0;
    let callbacksInWindow = 0;
    let machineAtStart = busyAndTotal();
    let machineBusyPercent = 0;
    const result = await runLoad(
      {
        url: rig.searchUrl,
        concurrency: options.concurrency,
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
        requestTimeoutMs: 10_000,
        signingKey: rig.signingKey,
        template: rig.template,
      },
      {
        start: () => {
          callbacksAtStart = sink.count();
          machineAtStart = busyAndTotal();
        },
        end: () => {
          callbacksInWindow = sink.count() - callbacksAtStart;
          const now = busyAndTotal();
          machineBusyPercent = (100 * (now.busy - machineAtStart.busy)) / Math.max(1, now.total - machineAtStart.total);
        },
      },
    );
    const settleUntil = Date.now() + SETTLE_MS;
    while (sink.count() < result.acksTotal + 1 && Date.now() < settleUntil) await sleep(250);
    return { workers, result, callbacksPerSecond: callbacksInWindow / (result.windowMs / 1000), machineBusyPercent };
  } finally {
    rig.service.child.kill('SIGTERM');
    await Promise.race([rig.service.exited, sleep(60_000)]);
    await rig.dispose();
    await sink.close();
  }
}

async function main(): Promise<number> {
  const options = readOptions();
  print('# beckn-ride worker processes: signed searches through the whole service');
  print();
  for (const line of machineLines(new Date())) print(line);
  print(`load:    ${options.concurrency} concurrent signed searches, ${options.warmupMs} ms warm-up, ${options.durationMs} ms measured, per worker count`);
  print('The machine is shared: read the ratios (same run, same load), not the absolute numbers.');
  print();
  const phases: Phase[] = [];
  for (const workers of options.workers) {
    print(`WORKERS=${workers} ...`);
    phases.push(await measure(workers, options));
  }
  const first = phases[0] as Phase;
  const acksPerSecond = (phase: Phase) => phase.result.acks / (phase.result.windowMs / 1000);
  print();
  print(
    markdownTable(
      ['WORKERS', 'ACK/s', 'ACK/s ratio', 'callbacks/s', 'callbacks/s ratio', 'p50 ms', 'p99 ms', 'NACKs', 'errors', 'machine busy %'],
      phases.map((phase) => [
        String(phase.workers),
        acksPerSecond(phase).toFixed(0),
        (acksPerSecond(phase) / Math.max(acksPerSecond(first), 1e-9)).toFixed(2),
        phase.callbacksPerSecond.toFixed(0),
        (phase.callbacksPerSecond / Math.max(first.callbacksPerSecond, 1e-9)).toFixed(2),
        phase.result.latencyMs.p50.toFixed(1),
        phase.result.latencyMs.p99.toFixed(1),
        String(phase.result.nacks),
        String(phase.result.errors),
        phase.machineBusyPercent.toFixed(0),
      ]),
      [true, true, true, true, true, true, true, true, true, true],
    ),
  );
  return phases.some((phase) => phase.result.acks === 0) ? 1 : 0;
}

await runBenchmark('bench:workers', main);
