/**
 * `npm run bench:protocol`: in one run on this machine, the signature path
 * (native and noble) and signed `search` ACKs per second through our BPP's
 * whole inbound pipeline, against a bare express baseline driven by the same
 * load generator with the same signed bodies.
 *
 *   npm run bench:protocol -- --duration 10000 --warmup 3000 --concurrency 16,64
 *
 * Each option also reads an environment variable: BENCH_DURATION_MS,
 * BENCH_WARMUP_MS, BENCH_CONCURRENCY, BENCH_SIGN_DURATION_MS,
 * BENCH_DRAIN_TIMEOUT_MS. Needs `bash scripts/services.sh up`.
 */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { createSigner } from '../src/protocol/signing/index.js';
import { startBaselineServer, type BaselineServer } from './baseline-server.js';
import { busyAndTotal, closeAll, positiveInteger, print, runBenchmark, sleep, stopOnSignal } from './bench-support.js';
import { runLoad } from './load-run.js';
import { startPipelineTarget, type PipelineTarget } from './pipeline-target.js';
import { backlogTable, failureLines, machineLines, phaseTable, ratioTable, retryableNacks, signVerifyTable, timelinessTable, type PhaseRow, type Target } from './report.js';
import { benchSignVerify } from './sign-verify.js';

interface Options {
  durationMs: number;
  warmupMs: number;
  concurrencies: number[];
  signDurationMs: number;
  drainTimeoutMs: number;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      'sign-duration': { type: 'string' },
      'drain-timeout': { type: 'string' },
    },
  });
  const env = process.env;
  return {
    durationMs: positiveInteger('duration', values.duration ?? env.BENCH_DURATION_MS ?? '10000'),
    warmupMs: positiveInteger('warmup', values.warmup ?? env.BENCH_WARMUP_MS ?? '3000'),
    concurrencies: (values.concurrency ?? env.BENCH_CONCURRENCY ?? '16,64').split(',').map((c) => positiveInteger('concurrency', c)),
    signDurationMs: positiveInteger('sign-duration', values['sign-duration'] ?? env.BENCH_SIGN_DURATION_MS ?? '2000'),
    drainTimeoutMs: positiveInteger('drain-timeout', values['drain-timeout'] ?? env.BENCH_DRAIN_TIMEOUT_MS ?? '300000'),
  };
}

/** One signed request before any measuring, so a misconfigured run fails with the answer instead of a table of NACKs. */
async function probe(pipeline: PipelineTarget): Promise<void> {
  const context = { ...pipeline.template.context, transaction_id: randomUUID(), message_id: randomUUID(), timestamp: new Date().toISOString() };
  const raw = Buffer.from(JSON.stringify({ ...pipeline.template, context }));
  const authorization = createSigner(pipeline.signingKey).sign(raw);
  const response = await fetch(pipeline.url, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', authorization } });
  const text = await response.text();
  const answer = JSON.parse(text) as { message?: { ack?: { status?: string } } };
  if (response.status !== 200 || answer.message?.ack?.status !== 'ACK') throw new Error(`the probe search was not ACKed: ${response.status} ${text}`);
}

/** Waits until the inbox and outbox hold nothing pending; null when `timeoutMs` passes (or a stop is asked) first. */
async function drained(pipeline: PipelineTarget, timeoutMs: number, stop: { requested: boolean }): Promise<number | null> {
  const started = performance.now();
  for (;;) {
    const backlog = await pipeline.backlog();
    if (backlog.inboxPending === 0 && backlog.outboxPending === 0) return (performance.now() - started) / 1000;
    if (stop.requested || performance.now() - started > timeoutMs) return null;
    await sleep(250);
  }
}

/** Reads the service's own inbox gauges (in memory) every 100 ms until stopped, keeping the peaks. */
function watchInbox(pipeline: PipelineTarget): { stop(): Promise<{ pending: number; oldestWaitSeconds: number }> } {
  const peak = { pending: 0, oldestWaitSeconds: 0 };
  let watching = true;
  const done = (async () => {
    while (watching) {
      const load = await pipeline.inboxLoad();
      if (load) {
        peak.pending = Math.max(peak.pending, load.pending);
        peak.oldestWaitSeconds = Math.max(peak.oldestWaitSeconds, load.oldestWaitSeconds);
      }
      await sleep(100);
    }
  })();
  return {
    async stop() {
      watching = false;
      await done;
      return peak;
    },
  };
}

async function measure(target: Target, url: string, concurrency: number, pipeline: PipelineTarget, options: Options, stop: { requested: boolean }): Promise<PhaseRow> {
  const phaseStart = new Date();
  let inboxWatch: ReturnType<typeof watchInbox> | null = null;
  let cpuAtStart = process.cpuUsage();
  let cpuInWindow = { user: 0, system: 0 };
  let machineAtStart = busyAndTotal();
  let machineBusyPercent = 0;
  let callbacksAtStart = 0;
  let callbacksInWindow = 0;
  const result = await runLoad(
    { url, concurrency, warmupMs: options.warmupMs, durationMs: options.durationMs, requestTimeoutMs: 30_000, signingKey: pipeline.signingKey, template: pipeline.template },
    {
      start: () => {
        cpuAtStart = process.cpuUsage();
        machineAtStart = busyAndTotal();
        callbacksAtStart = pipeline.callbacksReceived();
        if (target === 'pipeline') inboxWatch = watchInbox(pipeline);
      },
      end: () => {
        cpuInWindow = process.cpuUsage(cpuAtStart);
        const now = busyAndTotal();
        machineBusyPercent = ((now.busy - machineAtStart.busy) / (now.total - machineAtStart.total)) * 100;
        callbacksInWindow = pipeline.callbacksReceived() - callbacksAtStart;
      },
    },
  );
  const inboxPeak = await (inboxWatch as ReturnType<typeof watchInbox> | null)?.stop();
  const row: PhaseRow = { target, concurrency, result, serverCpuPercent: ((cpuInWindow.user + cpuInWindow.system) / 1000 / result.windowMs) * 100, machineBusyPercent };
  if (target === 'pipeline') {
    row.callbacksPerSecond = callbacksInWindow / (result.windowMs / 1000);
    row.backlogAtEnd = await pipeline.backlog();
    row.drainSeconds = await drained(pipeline, options.drainTimeoutMs, stop);
    if (inboxPeak) row.inboxPeak = inboxPeak;
    // Once drained every on_search owed has been delivered (or is a dead letter), so lateness is final.
    row.timeliness = await pipeline.callbackTimeliness(phaseStart);
  }
  const p = result.latencyMs;
  const retryable = retryableNacks(result);
  print(`  ${target} c${concurrency}: ${result.acks} ACK in ${(result.windowMs / 1000).toFixed(1)} s, p50 ${p.p50.toFixed(2)} ms, p99 ${p.p99.toFixed(2)} ms, ${retryable} NACK 429/503, ${result.nacks - retryable} other NACK, ${result.errors} errors`);
  return row;
}

async function main(): Promise<number> {
  const options = readOptions();
  print('# beckn-ride protocol benchmark');
  for (const line of machineLines(new Date())) print(line);
  print(`options: warm-up ${options.warmupMs} ms, measured ${options.durationMs} ms per row, concurrency ${options.concurrencies.join(', ')}, sign/verify ${options.signDurationMs} ms per op`);
  print();
  print('## Signature path (1 KiB body: BLAKE2b digest, signing string, Ed25519, header)');
  print(signVerifyTable(await benchSignVerify(options.signDurationMs)));
  print();

  const { stop, checkStop } = stopOnSignal();

  const rows: PhaseRow[] = [];
  let callbacks = '';
  let pipeline: PipelineTarget | null = null;
  let baseline: BaselineServer | null = null;
  try {
    print('starting the service (full profile) and the baseline ...');
    pipeline = await startPipelineTarget();
    baseline = await startBaselineServer(pipeline.bodyLimitBytes);
    await probe(pipeline);
    for (const concurrency of options.concurrencies) {
      checkStop();
      rows.push(await measure('baseline', baseline.url, concurrency, pipeline, options, stop));
      checkStop();
      rows.push(await measure('pipeline', pipeline.url, concurrency, pipeline, options, stop));
    }
    const backlog = await pipeline.backlog();
    const accepted = rows.filter((r) => r.target === 'pipeline').reduce((sum, r) => sum + r.result.acksTotal, 1);
    callbacks = `callbacks: ${pipeline.callbacksReceived()} on_search delivered for ${accepted} searches ACKed (probe included), ${backlog.dead} dead letters; message log ${(pipeline.messageLogBytes() / 2 ** 20).toFixed(0)} MiB`;
  } finally {
    await closeAll([baseline?.close(), pipeline?.close()]);
  }

  print();
  print('## Signed search through the inbound pipeline vs the bare express baseline');
  print(phaseTable(rows));
  print();
  print(ratioTable(rows));
  print();
  print('Pipeline backlog (handler + on_search callback work still queued when the window closed):');
  print(backlogTable(rows));
  print(callbacks);
  print();
  print('on_search within the ttl of its search (every search of the phase, warm-up included), inbox peaks while the window was open:');
  print(timelinessTable(rows));
  const failures = failureLines(rows);
  for (const line of failures) print(line);
  return failures.length > 0 ? 1 : 0;
}

await runBenchmark('bench:protocol', main);
