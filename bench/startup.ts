/**
 * Start-up time of the service: from spawning the process to /health/ready
 * answering 200, run through tsx from the source (`node --import tsx
 * src/main.ts`, how `npm start` ran before the production build) against the
 * compiled build (`node dist/src/main.js`), on the embedded and the full
 * profile. Each variant gets one unmeasured start first (secrets, database and
 * migrations are created then); the measured starts alternate the variants so
 * they share the machine's load, and the medians are reported with their ratio.
 * Alone: node --import tsx bench/startup.ts [runs]   (full profile: the services of `npm run services`)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage, repoRoot } from '../test/build/built-package.js';
import { freshServerDatabase, type FreshDatabase } from '../test/support/fresh-database.js';
import { testServices, uniqueTestPrefix } from '../test/support/services.js';
import { testSecrets } from '../test/support/test-app.js';
import { busyAndTotal, positiveInteger, print, runBenchmark, sleep } from './bench-support.js';
import { markdownTable } from './report.js';

interface Variant {
  name: 'tsx (source)' | 'node (dist)';
  args: string[];
  cwd: string;
}

const startBoundMs = 180_000;

/** Spawns the service, returns the milliseconds until /health/ready first answered 200, then stops it. */
async function timeStart(variant: Variant, env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, variant.args, {
    cwd: variant.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      if (performance.now() - started > startBoundMs) throw new Error(`${variant.name} was not ready in ${startBoundMs} ms:\n${output}`);
      if (child.exitCode !== null) throw new Error(`${variant.name} exited with ${child.exitCode}:\n${output}`);
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        const status = await fetch(`${url}/health/ready`).then((response) => response.status, () => 0);
        if (status === 200) return performance.now() - started;
      }
      await sleep(10);
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function main(): Promise<number> {
  const runs = positiveInteger('runs', process.argv[2] ?? '5');
  print('building the production package (tsc, as `npm run build`) ...');
  const dir = buildPackage('bench-startup');
  const variants: Variant[] = [
    { name: 'tsx (source)', args: ['--import', 'tsx', 'src/main.ts'], cwd: repoRoot },
    { name: 'node (dist)', args: [join(dir, 'dist/src/main.js')], cwd: tmpdir() },
  ];
  const databases: FreshDatabase[] = [];
  const profiles: { name: string; envOf: (variant: Variant) => Promise<Record<string, string>> }[] = [
    {
      name: 'embedded',
      envOf: async () => ({ PORT: '0', LOG_LEVEL: 'warn', DATA_DIR: mkdtempSync(join(tmpdir(), 'beckn-ride-bench-startup-')) }),
    },
    {
      name: 'full',
      envOf: async () => {
        const database = await freshServerDatabase('startup');
        databases.push(database);
        return {
          PORT: '0',
          LOG_LEVEL: 'warn',
          DATA_DIR: mkdtempSync(join(tmpdir(), 'beckn-ride-bench-startup-')),
          DATABASE_URL: database.url,
          REDIS_URL: testServices.redisUrl,
          REDIS_KEY_PREFIX: uniqueTestPrefix('startup'),
          KAFKA_BROKERS: testServices.kafkaBrokers.join(','),
          CLICKHOUSE_URL: testServices.clickhouseUrl,
          CLICKHOUSE_DATABASE: testServices.clickhouseDatabase,
          ...testSecrets(),
        };
      },
    },
  ];

  const rows: string[][] = [];
  const cpuBefore = busyAndTotal();
  try {
    for (const profile of profiles) {
      const envs = new Map<Variant, Record<string, string>>();
      for (const variant of variants) {
        envs.set(variant, await profile.envOf(variant));
        await timeStart(variant, envs.get(variant) as Record<string, string>);
      }
      const times = new Map<Variant, number[]>(variants.map((variant) => [variant, []]));
      for (let run = 0; run < runs; run += 1) {
        for (const variant of run % 2 === 0 ? variants : [...variants].reverse()) {
          const ms = await timeStart(variant, envs.get(variant) as Record<string, string>);
          times.get(variant)?.push(ms);
          print(`  ${profile.name} ${variant.name}: ${Math.round(ms)} ms`);
        }
      }
      const baseline = median(times.get(variants[0] as Variant) as number[]);
      for (const variant of variants) {
        const all = times.get(variant) as number[];
        rows.push([profile.name, variant.name, String(runs), String(Math.round(median(all))), all.map(Math.round).join(' '), (median(all) / baseline).toFixed(2)]);
      }
    }
  } finally {
    for (const database of databases) await database.dispose();
  }
  const cpuAfter = busyAndTotal();
  print();
  print(markdownTable(['profile', 'run by', 'runs', 'median ms to ready', 'each run (ms)', 'vs tsx'], rows, [false, false, true, true, false, true]));
  print();
  print(`machine busy ${Math.round((100 * (cpuAfter.busy - cpuBefore.busy)) / (cpuAfter.total - cpuBefore.total))}% of all cores during the runs (shared)`);
  return 0;
}

await runBenchmark('bench:startup', main);
