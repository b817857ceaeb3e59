/**
 * `npm run bench:ride`: whole rides between a BAP process and a BPP process on
 * loopback (full profile, each with its own Postgres database), driven
 * through the rider and driver REST APIs, the driver accepting each offer as
 * soon as it is seen: p50/p99 of each protocol step and of the whole
 * protocol part of a ride.
 *
 *   npm run bench:ride -- --rides 200 --in-flight 20 --poll 10
 *
 * Options also read BENCH_RIDES, BENCH_RIDES_IN_FLIGHT, BENCH_RIDE_POLL_MS,
 * BENCH_RIDE_STEP_TIMEOUT_MS. Needs `bash scripts/services.sh up`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { positiveInteger, print, runBenchmark, stopOnSignal } from './bench-support.js';
import { teardownStack } from './bench-target.js';
import { machineLines, markdownTable } from './report.js';
import { bookingSplit, rideOnce, rideSteps, type RideTiming } from './ride-flow.js';
import { startRideNetwork } from './ride-network.js';

/** The target for the protocol part of a ride. */
const TARGET_P50_MS = 150;

interface Options {
  rides: number;
  inFlight: number;
  pollMs: number;
  stepTimeoutMs: number;
}

function readOptions(): Options {
  const { values } = parseArgs({ options: { rides: { type: 'string' }, 'in-flight': { type: 'string' }, poll: { type: 'string' }, 'step-timeout': { type: 'string' } } });
  const env = process.env;
  return {
    rides: positiveInteger('rides', values.rides ?? env.BENCH_RIDES ?? '200'),
    inFlight: positiveInteger('in-flight', values['in-flight'] ?? env.BENCH_RIDES_IN_FLIGHT ?? '20'),
    pollMs: positiveInteger('poll', values.poll ?? env.BENCH_RIDE_POLL_MS ?? '10'),
    stepTimeoutMs: positiveInteger('step-timeout', values['step-timeout'] ?? env.BENCH_RIDE_STEP_TIMEOUT_MS ?? '60000'),
  };
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

async function main(): Promise<number> {
  const options = readOptions();
  print('# beckn-ride whole-ride benchmark (BAP and BPP processes on loopback)');
  for (const line of machineLines(new Date())) print(line);
  print(`options: ${options.rides} rides, ${options.inFlight} in flight, polling every ${options.pollMs} ms where no event stream exists, ${options.stepTimeoutMs} ms per step at most`);
  const { stop } = stopOnSignal();
  const teardown = teardownStack('bench ride');
  const timings: RideTiming[] = [];
  const failures: string[] = [];
  let elapsedMs = 0;
  const cpuPerRide = { bpp: Number.NaN, bap: Number.NaN };
  const idlePerSecond = { bpp: Number.NaN, bap: Number.NaN };
  try {
    print('starting the BPP (registry, gateway) and BAP processes, onboarding the drivers ...');
    const net = await startRideNetwork(teardown, options.inFlight);
    print(`waits set: ${net.waits.join(' ')}`);
    const bppDb = new pg.Pool({ connectionString: net.bpp.databaseUrl, max: 4 });
    teardown.push(() => bppDb.end());
    let next = 0;
    const pids = { bpp: net.bpp.process.child.pid, bap: net.bap.process.child.pid };
    // Idle cost first: the 10 ms poll loops of the inbox, outbox and scheduler burn CPU with no ride at all.
    const idleFrom = { bpp: cpuMs(pids.bpp), bap: cpuMs(pids.bap) };
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    idlePerSecond.bpp = (cpuMs(pids.bpp) - idleFrom.bpp) / 3;
    idlePerSecond.bap = (cpuMs(pids.bap) - idleFrom.bap) / 3;
    const cpuAtStart = { bpp: cpuMs(pids.bpp), bap: cpuMs(pids.bap) };
    const started = performance.now();
    await Promise.all(
      net.lanes.map(async (lane) => {
        while (next < options.rides && !stop.requested && failures.length === 0) {
          const number = ++next;
          try {
            timings.push(await rideOnce(net, lane, bppDb, options));
          } catch (error) {
            failures.push(`ride ${number} (lane ${lane.index}): ${error instanceof Error ? error.message : String(error)}`);
          }
          if (timings.length % 50 === 0 && timings.length > 0) print(`  ${timings.length} rides done`);
        }
      }),
    );
    elapsedMs = performance.now() - started;
    cpuPerRide.bpp = (cpuMs(pids.bpp) - cpuAtStart.bpp) / Math.max(1, timings.length);
    cpuPerRide.bap = (cpuMs(pids.bap) - cpuAtStart.bap) / Math.max(1, timings.length);
  } finally {
    await teardown.run().catch((error: unknown) => process.stderr.write(`${String(error)}\n`));
  }

  const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-');
  const shownSteps = [...rideSteps.slice(0, 4), ...bookingSplit, ...rideSteps.slice(4)];
  const rows = shownSteps.map((step) => {
    const values = timings.map((t) => t.steps[step]).filter((v): v is number => v !== undefined);
    return [step, String(values.length), ms(percentile(values, 50)), ms(percentile(values, 99)), ms(Math.max(...values))];
  });
  const protocol = timings.map((t) => rideSteps.reduce((sum, step) => sum + (t.steps[step] ?? 0), 0));
  const wall = timings.map((t) => t.wallMs);
  print();
  print(`## ${timings.length} rides in ${(elapsedMs / 1000).toFixed(1)} s (${((timings.length / elapsedMs) * 60_000).toFixed(0)} rides/min), ${options.inFlight} in flight`);
  print(
    markdownTable(
      ['step (call -> visible)', 'n', 'p50 ms', 'p99 ms', 'max ms'],
      [
        ...rows,
        ['protocol part of a ride (sum of the steps)', String(protocol.length), ms(percentile(protocol, 50)), ms(percentile(protocol, 99)), ms(Math.max(...protocol))],
        ['wall, search call to rating stored', String(wall.length), ms(percentile(wall, 50)), ms(percentile(wall, 99)), ms(Math.max(...wall))],
      ],
      [false, true, true, true, true],
    ),
  );
  const p50 = percentile(protocol, 50);
  print();
  print(`CPU per ride (user + system, the bench's polling included): BPP process ${ms(cpuPerRide.bpp)} ms, BAP process ${ms(cpuPerRide.bap)} ms; idle, before the rides: BPP ${ms(idlePerSecond.bpp)} ms and BAP ${ms(idlePerSecond.bap)} ms of CPU per second`);
  print(`target: protocol part p50 < ${TARGET_P50_MS} ms -> ${p50 < TARGET_P50_MS ? 'met' : 'NOT MET'} (${ms(p50)} ms)`);
  print('Steps without an event stream (offer to driver, quote at rider, rating at BPP) are polled: each carries up to one poll interval of wait.');
  print('The booking stream re-reads on each change: when on_init and on_confirm land before one read, the ride shows no CONFIRMING and has no split (n is lower there).');
  if (failures.length > 0) {
    print();
    print('!'.repeat(78));
    print(`!!! ${failures.length} RIDE(S) FAILED: THESE FIGURES ARE NOT VALID`);
    print('!'.repeat(78));
    for (const failure of failures.slice(0, 10)) print(`  ${failure}`);
    return 1;
  }
  return timings.length === options.rides ? 0 : 1;
}

await runBenchmark('bench:ride', main);
