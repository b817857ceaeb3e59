/**
 * `npm run bench:micro`: the BPP's inbound steps in process, one message at a
 * time on one thread, as beckn-onix measures its own pipeline (in-process, no
 * network, in-memory cache): signed ONDC TRV10 searches through the real
 * provider-role steps with the embedded profile's in-memory adapters.
 *
 *   npm run bench:micro -- --duration 10000 --warmup 3000 --batch 2000
 *
 * Options also read BENCH_MICRO_DURATION_MS, BENCH_MICRO_WARMUP_MS,
 * BENCH_MICRO_BATCH. Needs no services.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomUUID, sign as edSign, verify as edVerify } from 'node:crypto';
import { parseArgs } from 'node:util';
import { HandlerRegistry } from '../src/protocol/index.js';
import type { Inbox } from '../src/protocol/inbound/index.js';
import type { InboundMessage } from '../src/protocol/inbound/inbound-message.js';
import { hasArrayLongerThan, MAX_ARRAY_ITEMS, MAX_JSON_DEPTH, nestsDeeperThan } from '../src/protocol/inbound/json-depth.js';
import type { Step } from '../src/protocol/inbound/steps/index.js';
import { providerRole } from '../src/protocol/roles/provider-role.js';
import { createSigner } from '../src/protocol/signing/index.js';
import { loadExamples, restamp } from '../test/support/beckn-examples.js';
import { positiveInteger, print, runBenchmark } from './bench-support.js';
import { microDeps } from './micro-deps.js';
import { machineLines, markdownTable } from './report.js';

/** beckn-onix's published figures for its in-process discover benchmark (one core, in-memory Redis). */
const ONIX_REQ_PER_SECOND = 6_085;
const ONIX_MEAN_US = 166;

interface Options {
  durationMs: number;
  warmupMs: number;
  batch: number;
}

function readOptions(): Options {
  const { values } = parseArgs({ options: { duration: { type: 'string' }, warmup: { type: 'string' }, batch: { type: 'string' } } });
  const env = process.env;
  return {
    durationMs: positiveInteger('duration', values.duration ?? env.BENCH_MICRO_DURATION_MS ?? '10000'),
    warmupMs: positiveInteger('warmup', values.warmup ?? env.BENCH_MICRO_WARMUP_MS ?? '3000'),
    batch: positiveInteger('batch', values.batch ?? env.BENCH_MICRO_BATCH ?? '2000'),
  };
}

/** The rows of the summary: which of the role's steps each one covers. */
const groups: { label: string; steps: string[] }[] = [
  { label: 'body (SHA-256, depth and array limits)', steps: ['body'] },
  { label: 'verify signature', steps: ['verifySignature'] },
  { label: 'schema (parse, payment spelling, ajv)', steps: ['parseBody', 'normalisePaymentSpelling', 'validateSchema'] },
  { label: 'context checks', steps: ['acceptRequests', 'requireJson', 'bindRequestSigner', 'checkEnvelope', 'checkTimeWindow', 'checkBapUri', 'checkAddressedToProvider'] },
  { label: 'rate limit', steps: ['rateLimit'] },
  { label: 'duplicate claim (claim + confirm)', steps: ['checkDuplicate', 'confirmClaim'] },
];

interface Signed {
  raw: Buffer;
  authorization: string;
}

interface Tally {
  /** Per message, microseconds spent in each step (and 'body', 'confirmClaim', 'whole'). */
  samples: Map<string, number[]>;
  messages: number;
  /** Wall time of the processing loops only (signing excluded). */
  busyMs: number;
  cpuMicros: number;
}

function newTally(names: string[]): Tally {
  return { samples: new Map(names.map((name) => [name, []])), messages: 0, busyMs: 0, cpuMicros: 0 };
}

/** One message through the steps, as run-inbound does it, timing each; throws the NACK of a refused one. */
async function processOne(signed: Signed, steps: readonly Step[], deps: ReturnType<typeof microDeps>['deps'], tally: Tally | null): Promise<void> {
  const times: [string, number][] = [];
  const started = performance.now();
  let mark = started;
  const lap = (name: string) => {
    const now = performance.now();
    times.push([name, (now - mark) * 1000]);
    mark = now;
  };
  const message: InboundMessage = {
    role: 'bpp',
    side: 'bpp',
    action: 'search',
    url: '/beckn/bpp/search',
    startedAt: new Date(),
    raw: signed.raw,
    truncated: false,
    size: signed.raw.length,
    bodySha256: createHash('sha256').update(signed.raw).digest('hex'),
    source: '127.0.0.1',
    contentType: 'application/json',
    headers: { authorization: signed.authorization, 'content-type': 'application/json' },
    keyId: null,
    verdict: 'not_checked',
    gatewayKeyId: null,
    gatewayVerdict: 'not_checked',
    duplicate: false,
  };
  if (nestsDeeperThan(message.raw, MAX_JSON_DEPTH) || hasArrayLongerThan(message.raw, MAX_ARRAY_ITEMS)) throw new Error('the bench body is refused as too deep or too long');
  lap('body');
  for (const step of steps) {
    await step(message, deps);
    lap(step.name);
  }
  if (message.duplicate || !message.confirmClaim) throw new Error('a fresh message_id was taken for a duplicate');
  await message.confirmClaim();
  lap('confirmClaim');
  if (tally === null) return;
  for (const [name, us] of times) tally.samples.get(name)?.push(us);
  tally.samples.get('whole')?.push((mark - started) * 1000);
  tally.messages += 1;
}

/** Signs `count` searches with fresh ids and timestamps (outside any timing). */
function signBatch(count: number, template: { context: Record<string, unknown> } & Record<string, unknown>, sign: (raw: Buffer) => string): Signed[] {
  return Array.from({ length: count }, () => {
    const context = { ...template.context, transaction_id: randomUUID(), message_id: randomUUID(), timestamp: new Date().toISOString() };
    const raw = Buffer.from(JSON.stringify({ ...template, context }), 'utf8');
    return { raw, authorization: sign(raw) };
  });
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

function stats(values: number[]): { mean: number; p50: number; p99: number } {
  const sorted = Float64Array.from(values).sort();
  const sum = sorted.reduce((a, b) => a + b, 0);
  return { mean: sum / sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** Sums the samples of a group's steps message by message. */
function groupSamples(tally: Tally, steps: string[]): number[] {
  const columns = steps.map((name) => tally.samples.get(name) ?? []);
  return Array.from({ length: tally.messages }, (_, i) => columns.reduce((sum, column) => sum + (column[i] ?? 0), 0));
}

/**
 * The floor under the signature step, measured in the same run: node:crypto's
 * Ed25519 verify of a signing-string-sized message alone, as verifications per
 * second of wall time (the machine's load moves both figures alike).
 */
function bareVerifyPerSecond(durationMs: number): number {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKey = createPublicKey(privateKey);
  const text = Buffer.from(`(created): 1750000000\n(expires): 1750000300\ndigest: BLAKE2b-512=${'A'.repeat(88)}`);
  const signature = edSign(null, text, privateKey);
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    for (let i = 0; i < 64; i++) if (!edVerify(null, text, publicKey, signature)) throw new Error('bare verify failed');
    count += 64;
  }
  return count / ((performance.now() - started) / 1000);
}

async function main(): Promise<number> {
  const options = readOptions();
  print('# beckn-ride inbound pipeline microbenchmark (in process, one thread, no network)');
  for (const line of machineLines(new Date())) print(line);
  print(`options: warm-up ${options.warmupMs} ms, measured ${options.durationMs} ms of processing, signed in batches of ${options.batch} outside the timing`);
  print('adapters: in-memory correlation store (duplicate claims, registry key cache), in-memory rate limiter, ajv validator; the registry record held in process');
  print();

  const bench = microDeps();
  try {
    // The role's own step list, so the benchmark runs exactly what the BPP runs; accept() is never called here.
    const { steps } = providerRole({ inbox: {} as Inbox, handlers: new HandlerRegistry(), wake: () => undefined });
    const search = loadExamples().find((e) => e.action === 'search' && e.domain === 'ONDC:TRV10');
    if (!search) throw new Error('the ONDC:TRV10 search example is missing');
    const template = restamp(search, { bap_id: bench.riderKey.subscriberId, bap_uri: bench.riderUrl, bpp_id: undefined, bpp_uri: undefined, ttl: 'PT30S' });
    const signer = createSigner(bench.riderKey);
    const sign = (raw: Buffer) => signer.sign(raw);
    const stepNames = ['body', ...steps.map((s) => s.name), 'confirmClaim', 'whole'];
    print(`steps (provider role, in order): ${steps.map((s) => s.name).join(', ')}`);
    print(`body: ${signBatch(1, template, sign)[0]?.raw.length ?? 0} bytes (the ONDC TRV10 search example, fresh ids per message)`);

    const run = async (budgetMs: number, tally: Tally | null): Promise<Tally> => {
      const into = tally ?? newTally(stepNames);
      let spentMs = 0;
      while (spentMs < budgetMs) {
        const batch = signBatch(options.batch, template, sign);
        const cpu = process.cpuUsage();
        const started = performance.now();
        for (const signed of batch) await processOne(signed, steps, bench.deps, tally);
        const elapsed = performance.now() - started;
        const used = process.cpuUsage(cpu);
        spentMs += elapsed;
        into.busyMs += elapsed;
        into.cpuMicros += used.user + used.system;
      }
      return into;
    };
    await run(options.warmupMs, null);
    const bareBefore = bareVerifyPerSecond(1000);
    const tally = await run(options.durationMs, newTally(stepNames));
    const bareVerify = (bareBefore + bareVerifyPerSecond(1000)) / 2;

    const perSecond = tally.messages / (tally.busyMs / 1000);
    const rows = groups.map((g) => ({ label: g.label, ...stats(groupSamples(tally, g.steps)) }));
    const whole = stats(tally.samples.get('whole') ?? []);
    const us = (n: number) => n.toFixed(1);
    print();
    print('## Per message, by step group (µs)');
    print(markdownTable(['step', 'mean µs', 'p50 µs', 'p99 µs'], [...rows, { label: 'whole (steps + claim confirmed)', ...whole }].map((r) => [r.label, us(r.mean), us(r.p50), us(r.p99)]), [false, true, true, true]));
    print();
    print('## Per message, each step of the role (µs)');
    const each = stepNames.filter((n) => n !== 'whole').map((name) => ({ name, ...stats(tally.samples.get(name) ?? []) }));
    print(markdownTable(['step', 'mean µs', 'p50 µs', 'p99 µs'], each.map((r) => [r.name, us(r.mean), us(r.p50), us(r.p99)]), [false, true, true, true]));
    print();
    print('## Throughput on one thread, against beckn-onix');
    print(
      markdownTable(
        ['', 'messages', 'req/s (wall)', 'req/s per CPU second', 'mean µs/msg', 'CPU of this process'],
        [
          [
            'beckn-ride (this run)',
            tally.messages.toLocaleString('en-US'),
            Math.round(perSecond).toLocaleString('en-US'),
            Math.round(tally.messages / (tally.cpuMicros / 1e6)).toLocaleString('en-US'),
            us((tally.busyMs * 1000) / tally.messages),
            `${Math.round((tally.cpuMicros / 1000 / tally.busyMs) * 100)}%`,
          ],
          ['bare Ed25519 verify (node:crypto, this run)', '-', Math.round(bareVerify).toLocaleString('en-US'), '-', us(1e6 / bareVerify), '-'],
          ['beckn-onix (published)', '-', ONIX_REQ_PER_SECOND.toLocaleString('en-US'), '-', us(ONIX_MEAN_US), '-'],
        ],
        [false, true, true, true, true, true],
      ),
    );
    print();
    const ratio = perSecond / ONIX_REQ_PER_SECOND;
    print(`ratio beckn-ride / beckn-onix req/s: ${ratio.toFixed(2)} (target: at least 1.00${ratio >= 1 ? ', met' : ', NOT MET'})`);
    print(`whole pipeline / bare Ed25519 verify, same run: ${(perSecond / bareVerify).toFixed(2)} (the share of a message's time the Ed25519 curve arithmetic alone would take)`);
    print('(onix ran on another machine: the ratio compares a published figure with this run, not two runs on one machine)');
    return 0;
  } finally {
    await bench.close();
  }
}

await runBenchmark('bench:micro', main);
