/**
 * `npm run bench:soak`: memory of a service worker under steady load. One
 * service process (full profile, WORKERS=1 so the process measured is the
 * worker serving) takes signed ONDC TRV10 searches from the protocol
 * benchmark's load generator at a fixed concurrency for BENCH_SOAK_MS; its
 * RSS (/proc/<pid>/status VmRSS) and V8 heap (/metrics) are sampled every
 * 10 s, and the report says whether RSS levels off (the RSS peak and the
 * heap's floor of the last half of the window against the first half) and
 * the answered rate of each minute.
 *
 *   npm run bench:soak -- --duration 300000 --warmup 20000 --concurrency 16
 *
 * Options also read BENCH_SOAK_MS, BENCH_SOAK_WARMUP_MS,
 * BENCH_SOAK_CONCURRENCY, BENCH_SOAK_SAMPLE_MS. Needs `bash scripts/services.sh up`.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { generateSigningKeyPair, type SigningKey } from '../src/protocol/signing/index.js';
import { loadExamples, restamp } from '../test/support/beckn-examples.js';
import { benchRun, seedRecord, startBenchService, writeSeedFile } from './bench-processes.js';
import { positiveInteger, print, runBenchmark, stopOnSignal } from './bench-support.js';
import { teardownStack } from './bench-target.js';
import { runLoad, type LoadResult } from './load-run.js';
import { machineLines, markdownTable } from './report.js';

interface Options {
  durationMs: number;
  warmupMs: number;
  concurrency: number;
  sampleMs: number;
}

function readOptions(): Options {
  const { values } = parseArgs({ options: { duration: { type: 'string' }, warmup: { type: 'string' }, concurrency: { type: 'string' }, sample: { type: 'string' } } });
  const env = process.env;
  return {
    durationMs: positiveInteger('duration', values.duration ?? env.BENCH_SOAK_MS ?? '300000'),
    warmupMs: positiveInteger('warmup', values.warmup ?? env.BENCH_SOAK_WARMUP_MS ?? '20000'),
    concurrency: positiveInteger('concurrency', values.concurrency ?? env.BENCH_SOAK_CONCURRENCY ?? '16'),
    sampleMs: positiveInteger('sample', values.sample ?? env.BENCH_SOAK_SAMPLE_MS ?? '10000'),
  };
}

interface Sample {
  /** Seconds since the measured window opened. */
  atSeconds: number;
  rssMiB: number;
  heapUsedMiB: number | null;
  callbacks: number;
}

function rssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no VmRSS in /proc/${pid}/status: has the service exited?`);
  return Number(match[1]) / 1024;
}

async function heapUsedMiB(baseUrl: string): Promise<number | null> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const match = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([\d.e+]+)/m.exec(text);
  return match?.[1] ? Number(match[1]) / 2 ** 20 : null;
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** The rider's subscriber_url: ACKs and counts the on_search callbacks. */
async function startCallbackSink(): Promise<{ url: string; count(): number; close(): Promise<void> }> {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"message":{"ack":{"status":"ACK"}}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/beckn`, count: () => received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** RSS levels off when neither its peak nor the heap's floor grows by more than this share from the first half of the window to the last. */
const LEVEL_HALF_GROWTH = 0.1;

async function main(): Promise<number> {
  const options = readOptions();
  print('# beckn-ride soak: memory of a service worker under steady signed search load');
  for (const line of machineLines(new Date())) print(line);
  print(`options: warm-up ${options.warmupMs} ms, measured ${options.durationMs} ms, concurrency ${options.concurrency}, a sample every ${options.sampleMs} ms`);
  print('service: one process (WORKERS=1), roles registry,bpp, full profile (Postgres database of its own, Redis, Kafka, ClickHouse); the BPP answers each search with its on_search');
  const { stop } = stopOnSignal();

  const teardown = teardownStack('bench soak');
  const samples: Sample[] = [];
  let result: LoadResult | null = null;
  try {
    const run = benchRun(teardown);
    const sink = await startCallbackSink();
    teardown.push(() => sink.close());
    const pair = generateSigningKeyPair();
    const rider: SigningKey = { subscriberId: `bench-test.rider.${run.id}`, uniqueKeyId: 'bench-rider-key', privateKey: pair.privateKeySeed };
    const seedFile = writeSeedFile(run, [seedRecord(rider.subscriberId, rider.uniqueKeyId, 'BAP', sink.url, pair.publicKey)]);
    const service = await startBenchService(run, 'soak', {
      ROLES: 'registry,bpp',
      WORKERS: '1',
      BPP_SUBSCRIBER_ID: `bench-test.bpp.${run.id}`,
      REGISTRY_SEED_FILE: seedFile,
      BECKN_RATE_LIMIT_PER_MINUTE: '10000000',
    });
    const pid = service.process.child.pid;
    if (pid === undefined) throw new Error('the service process has no pid');
    const search = loadExamples().find((e) => e.action === 'search' && e.domain === 'ONDC:TRV10');
    if (!search) throw new Error('the ONDC:TRV10 search example is missing');
    const template = restamp(search, { bap_id: rider.subscriberId, bap_uri: sink.url, bpp_id: undefined, bpp_uri: undefined, ttl: 'PT30S' });
    print(`service pid ${pid} at ${service.baseUrl}; RSS before any load ${rssMiB(pid).toFixed(1)} MiB`);

    let windowStart = 0;
    let sampler: NodeJS.Timeout | undefined;
    const takeSample = async () => {
      const at = (performance.now() - windowStart) / 1000;
      const sample: Sample = { atSeconds: at, rssMiB: rssMiB(pid), heapUsedMiB: await heapUsedMiB(service.baseUrl).catch(() => null), callbacks: sink.count() };
      samples.push(sample);
      print(`  ${at.toFixed(0).padStart(5)} s  RSS ${sample.rssMiB.toFixed(1)} MiB  heap ${sample.heapUsedMiB?.toFixed(1) ?? '-'} MiB  on_search ${sample.callbacks}`);
    };
    result = await runLoad(
      {
        url: `${service.baseUrl}/beckn/bpp/search`,
        concurrency: options.concurrency,
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
        requestTimeoutMs: 30_000,
        signingKey: rider,
        template,
      },
      {
        start: () => {
          windowStart = performance.now();
          void takeSample();
          sampler = setInterval(() => void takeSample(), options.sampleMs);
        },
        end: () => {
          clearInterval(sampler);
          void takeSample();
        },
      },
    );
    // The last sample (at the window's end) is asynchronous: wait for it, bounded.
    const expected = Math.floor(options.durationMs / options.sampleMs) + 2;
    for (let waited = 0; samples.length < expected && waited < 5_000 && !stop.requested; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    await teardown.run().catch((error: unknown) => process.stderr.write(`${String(error)}\n`));
  }

  if (!result) return 1;
  print();
  print('## Load');
  print(
    markdownTable(
      ['ACK', 'ACK/s', 'p50 ms', 'p99 ms', 'NACK', 'errors', 'client CPU'],
      [[String(result.acks), (result.acks / (result.windowMs / 1000)).toFixed(0), result.latencyMs.p50.toFixed(2), result.latencyMs.p99.toFixed(2), String(result.nacks), String(result.errors), `${Math.round(result.clientCpuPercent)}%`]],
      [true, true, true, true, true, true, true],
    ),
  );
  print();
  print('## Memory of the worker (start of the window, each minute, end)');
  const sorted = [...samples].sort((a, b) => a.atSeconds - b.atSeconds);
  const first = sorted[0];
  const last = sorted.at(-1);
  const shown = sorted.filter((s, i) => s === first || s === last || Math.floor(s.atSeconds / 60) > Math.floor((sorted[i - 1]?.atSeconds ?? 0) / 60));
  print(markdownTable(['at', 'RSS MiB', 'heap used MiB'], shown.map((s) => [`${s.atSeconds.toFixed(0)} s`, s.rssMiB.toFixed(1), s.heapUsedMiB?.toFixed(1) ?? '-']), [true, true, true]));
  let failed = false;
  if (first && last && sorted.length >= 4) {
    const half = sorted.filter((s) => s.atSeconds >= last.atSeconds / 2);
    const rssSlope = slope(half.map((s) => [s.atSeconds / 60, s.rssMiB]));
    const heapPoints = half.filter((s) => s.heapUsedMiB !== null).map((s): [number, number] => [s.atSeconds / 60, s.heapUsedMiB ?? 0]);
    // A sample lands anywhere on the garbage collector's sawtooth (about 100 MiB
    // tall here), so a slope over a few minutes of samples is mostly noise. What
    // grows with a leak is the sawtooth's top (RSS peak) and its floor (the
    // smallest heap in use): compared between the two halves of the window.
    const early = sorted.filter((s) => s.atSeconds < last.atSeconds / 2);
    const peak = (list: Sample[]) => Math.max(...list.map((s) => s.rssMiB));
    const floor = (list: Sample[]) => Math.min(...list.map((s) => s.heapUsedMiB ?? Number.POSITIVE_INFINITY));
    const peakRatio = peak(half) / peak(early);
    const floorRatio = floor(half) / floor(early);
    const levels = peakRatio <= 1 + LEVEL_HALF_GROWTH && (!Number.isFinite(floorRatio) || floorRatio <= 1 + LEVEL_HALF_GROWTH);
    print();
    print(`RSS: ${first.rssMiB.toFixed(1)} MiB at the start (after the warm-up), ${last.rssMiB.toFixed(1)} MiB at the end (${(last.rssMiB / first.rssMiB).toFixed(2)}×)`);
    print(`last half: RSS slope ${rssSlope.toFixed(2)} MiB/min${heapPoints.length >= 2 ? `, heap slope ${slope(heapPoints).toFixed(2)} MiB/min` : ''} (samples on the GC sawtooth: read with the peaks and floors)`);
    print(`RSS peak ${peak(early).toFixed(1)} MiB in the first half, ${peak(half).toFixed(1)} in the last (${peakRatio.toFixed(2)}×); heap floor ${floor(early).toFixed(1)} MiB, then ${floor(half).toFixed(1)} (${floorRatio.toFixed(2)}×) -> RSS ${levels ? 'levels off' : 'DOES NOT LEVEL OFF'} (bound: either grows by more than ${(LEVEL_HALF_GROWTH * 100).toFixed(0)}%)`);
    print();
    print('## Answered searches per second, by minute of the window');
    const minutes: string[][] = [];
    for (let from = 0; from + 60 <= last.atSeconds + 0.5; from += 60) {
      const a = sorted.find((s) => Math.abs(s.atSeconds - from) < options.sampleMs / 2000);
      const b = sorted.find((s) => Math.abs(s.atSeconds - (from + 60)) < options.sampleMs / 2000);
      if (a && b) minutes.push([`${from}-${from + 60} s`, ((b.callbacks - a.callbacks) / (b.atSeconds - a.atSeconds)).toFixed(0)]);
    }
    print(markdownTable(['window', 'on_search/s'], minutes, [false, true]));
  } else {
    print('too few samples to judge the slope: run longer (BENCH_SOAK_MS)');
  }
  if (result.nacks > 0 || result.errors > 0) {
    failed = true;
    print();
    print('!'.repeat(78));
    print(`!!! ${result.nacks} NACK ${JSON.stringify(result.nackKinds)}, ${result.errors} errors ${JSON.stringify(result.errorKinds)}: THESE FIGURES ARE NOT VALID`);
    print('!'.repeat(78));
    for (const sample of result.nackSamples) print(`  answer: ${sample}`);
  }
  return failed ? 1 : 0;
}

await runBenchmark('bench:soak', main);
