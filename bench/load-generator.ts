/**
 * The load generator child of `npm run bench:protocol`: receives one LoadSpec
 * over IPC, drives `concurrency` sequential request loops over a keep-alive
 * agent through a warm-up and a measured window, and sends back a LoadResult.
 * Every request is built and signed here as it is sent (fresh message_id,
 * fresh signature), for the baseline as for the pipeline.
 */
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { createSigner, type Signer } from '../src/protocol/signing/index.js';
import { judgeAnswer, postOnce, reportToParent, sendToParent, type Answer } from './bench-support.js';
import type { GeneratorMessage, LatencySummary, LoadResult, LoadSpec } from './load-run.js';

interface Tally {
  measuring: boolean;
  stopped: boolean;
  acks: number;
  acksTotal: number;
  nacks: number;
  nackKinds: Record<string, number>;
  nackSamples: string[];
  errors: number;
  errorKinds: Record<string, number>;
  latencies: number[];
}

function record(tally: Tally, answer: Answer | Error, latencyMs: number): void {
  const verdict = answer instanceof Error ? null : judgeAnswer(answer);
  const ack = verdict?.ack === true;
  if (ack) tally.acksTotal += 1;
  if (!tally.measuring) return;
  if (answer instanceof Error) {
    tally.errors += 1;
    tally.errorKinds[answer.message] = (tally.errorKinds[answer.message] ?? 0) + 1;
    return;
  }
  tally.latencies.push(latencyMs);
  if (ack) {
    tally.acks += 1;
    return;
  }
  const kind = verdict?.detail ?? '';
  tally.nacks += 1;
  tally.nackKinds[kind] = (tally.nackKinds[kind] ?? 0) + 1;
  if (tally.nackSamples.length < 3) tally.nackSamples.push(answer.text.slice(0, 400));
}

async function loop(spec: LoadSpec, signer: Signer, agent: Agent, tally: Tally): Promise<void> {
  const url = new URL(spec.url);
  const { template } = spec;
  while (!tally.stopped) {
    const context = { ...template.context, transaction_id: randomUUID(), message_id: randomUUID(), timestamp: new Date().toISOString() };
    const raw = Buffer.from(JSON.stringify({ ...template, context }), 'utf8');
    const authorization = signer.sign(raw);
    const started = performance.now();
    let answer: Answer | Error;
    try {
      answer = await postOnce(agent, url, raw, authorization, spec.requestTimeoutMs);
    } catch (error) {
      answer = error instanceof Error ? error : new Error(String(error));
    }
    record(tally, answer, performance.now() - started);
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function summarize(latencies: number[]): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

const send: (message: GeneratorMessage) => void = sendToParent;

async function run(spec: LoadSpec): Promise<LoadResult> {
  const signer = createSigner(spec.signingKey);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const tally: Tally = { measuring: false, stopped: false, acks: 0, acksTotal: 0, nacks: 0, nackKinds: {}, nackSamples: [], errors: 0, errorKinds: {}, latencies: [] };
  let windowStart = 0;
  let windowEnd = 0;
  let cpuAtStart = process.cpuUsage();
  let cpuInWindow = { user: 0, system: 0 };

  // Answers that complete inside the window are counted, whenever they were sent.
  const opened = new Promise<void>((resolve) =>
    setTimeout(() => {
      windowStart = performance.now();
      cpuAtStart = process.cpuUsage();
      tally.measuring = true;
      send({ type: 'window', edge: 'start' });
      setTimeout(() => {
        windowEnd = performance.now();
        cpuInWindow = process.cpuUsage(cpuAtStart);
        tally.measuring = false;
        tally.stopped = true;
        send({ type: 'window', edge: 'end' });
        resolve();
      }, spec.durationMs);
    }, spec.warmupMs),
  );

  await Promise.all([opened, ...Array.from({ length: spec.concurrency }, () => loop(spec, signer, agent, tally))]);
  agent.destroy();
  const windowMs = windowEnd - windowStart;
  return {
    acks: tally.acks,
    nacks: tally.nacks,
    nackKinds: tally.nackKinds,
    nackSamples: tally.nackSamples,
    errors: tally.errors,
    errorKinds: tally.errorKinds,
    windowMs,
    latencyMs: summarize(tally.latencies),
    clientCpuPercent: ((cpuInWindow.user + cpuInWindow.system) / 1000 / windowMs) * 100,
    acksTotal: tally.acksTotal,
  };
}

process.once('message', (spec: LoadSpec) => reportToParent('load generator', run(spec)));
// An orphaned generator (its parent gone) stops instead of loading the machine.
process.once('disconnect', () => process.exit(0));
