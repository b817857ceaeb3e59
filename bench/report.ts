import { cpus, loadavg, release, totalmem, type as osType, arch } from 'node:os';
import type { SignVerifyResult } from './sign-verify.js';
import type { Backlog } from './bench-target.js';
import type { LoadResult } from './load-run.js';
import type { CallbackTimeliness } from './pipeline-target.js';

export type Target = 'baseline' | 'pipeline';

/** One measured phase, as the table prints it. */
export interface PhaseRow {
  target: Target;
  concurrency: number;
  result: LoadResult;
  /** CPU of this process (the server under test) in the window, percent of one core. */
  serverCpuPercent: number;
  /** Busy share of all cores in the window (servers, stores, generator, neighbours). */
  machineBusyPercent: number;
  /** Pipeline only: on_search callbacks the rider received per second in the window (the handler path keeping up, or not). */
  callbacksPerSecond?: number;
  /** Pipeline only: what was still queued when the window closed, and how long it took to empty. */
  backlogAtEnd?: Backlog;
  drainSeconds?: number | null;
  /** Pipeline only: the most the inbox held, and the longest its oldest entry had waited, while the window was open. */
  inboxPeak?: { pending: number; oldestWaitSeconds: number };
  /** Pipeline only: the searches of the phase (warm-up included) and whether their on_search came within the ttl. */
  timeliness?: CallbackTimeliness;
}

/**
 * NACKs that ask the sender to come back later (429, 503 with Retry-After):
 * under overload that is the service keeping its promise, not a failure.
 */
export function retryableNacks(result: LoadResult): number {
  return Object.entries(result.nackKinds)
    .filter(([kind]) => kind.startsWith('429 ') || kind.startsWith('503 '))
    .reduce((sum, [, count]) => sum + count, 0);
}

export function machineLines(now: Date): string[] {
  const cores = cpus();
  return [
    `date:    ${now.toISOString()}`,
    `machine: ${cores[0]?.model ?? 'unknown cpu'}, ${cores.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${osType()} ${release()} ${arch()}`,
    `node:    ${process.version}; load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  ];
}

/** A Markdown table with padded columns (readable in a terminal, pasteable in the README). */
export function markdownTable(headers: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number) => (rightAligned[i] ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0));
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (rightAligned[i] ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');

export function signVerifyTable(results: SignVerifyResult[]): string {
  return markdownTable(
    ['impl', 'op', 'ops/s'],
    results.map((r) => [r.impl, r.op, int(r.opsPerSecond)]),
    [false, false, true],
  );
}

export const acksPerSecond = (row: PhaseRow) => row.result.acks / (row.result.windowMs / 1000);

export function phaseTable(rows: PhaseRow[]): string {
  return markdownTable(
    ['target', 'conc', 'ACK/s', 'p50 ms', 'p99 ms', 'NACK 429/503', 'other NACK', 'errors', 'on_search/s', 'server CPU', 'client CPU', 'machine busy'],
    rows.map((r) => [
      r.target,
      String(r.concurrency),
      int(acksPerSecond(r)),
      ms(r.result.latencyMs.p50),
      ms(r.result.latencyMs.p99),
      String(retryableNacks(r.result)),
      String(r.result.nacks - retryableNacks(r.result)),
      String(r.result.errors),
      r.callbacksPerSecond === undefined ? '-' : int(r.callbacksPerSecond),
      `${Math.round(r.serverCpuPercent)}%`,
      `${Math.round(r.result.clientCpuPercent)}%`,
      `${Math.round(r.machineBusyPercent)}%`,
    ]),
    [false, true, true, true, true, true, true, true, true, true, true, true],
  );
}

export function ratioTable(rows: PhaseRow[]): string {
  const lines: string[][] = [];
  for (const pipeline of rows.filter((r) => r.target === 'pipeline')) {
    const baseline = rows.find((r) => r.target === 'baseline' && r.concurrency === pipeline.concurrency);
    if (!baseline) continue;
    lines.push([
      String(pipeline.concurrency),
      (acksPerSecond(pipeline) / acksPerSecond(baseline)).toFixed(3),
      (pipeline.result.latencyMs.p50 / baseline.result.latencyMs.p50).toFixed(1),
      (pipeline.result.latencyMs.p99 / baseline.result.latencyMs.p99).toFixed(1),
    ]);
  }
  return markdownTable(['conc', 'ACK/s pipeline/baseline', 'p50 ×', 'p99 ×'], lines, [true, true, true, true]);
}

export function backlogTable(rows: PhaseRow[]): string {
  return markdownTable(
    ['conc', 'inbox pending at window end', 'outbox pending at window end', 'drained in'],
    rows
      .filter((r) => r.target === 'pipeline' && r.backlogAtEnd)
      .map((r) => [
        String(r.concurrency),
        int(r.backlogAtEnd?.inboxPending ?? 0),
        int(r.backlogAtEnd?.outboxPending ?? 0),
        r.drainSeconds === null || r.drainSeconds === undefined ? 'NOT DRAINED' : `${r.drainSeconds.toFixed(1)} s`,
      ]),
    [true, true, true, true],
  );
}

/**
 * Issue #16 target 4, per concurrency: no on_search later than its search's
 * ttl, and the inbox bounded while the window was open.
 */
export function timelinessTable(rows: PhaseRow[]): string {
  return markdownTable(
    ['conc', 'searches ACKed', 'on_search received', 'later than ttl', 'latest by', 'inbox peak', 'oldest wait peak', 'NACK 429/503'],
    rows
      .filter((r) => r.target === 'pipeline' && r.timeliness)
      .map((r) => {
        const t = r.timeliness as CallbackTimeliness;
        return [
          String(r.concurrency),
          int(t.searches),
          int(t.answered),
          `${int(t.late)} (${t.answered === 0 ? '-' : ((t.late / t.answered) * 100).toFixed(1)}%)`,
          t.late === 0 ? '-' : `${(t.worstLateMs / 1000).toFixed(1)} s`,
          r.inboxPeak ? int(r.inboxPeak.pending) : '-',
          r.inboxPeak ? `${r.inboxPeak.oldestWaitSeconds.toFixed(1)} s` : '-',
          int(retryableNacks(r.result)),
        ];
      }),
    [true, true, true, true, true, true, true, true],
  );
}

/** The loud part: any NACK other than a retryable 429/503, or a transport error, makes the run's figures suspect. */
export function failureLines(rows: PhaseRow[]): string[] {
  const bad = rows.filter((r) => r.result.nacks - retryableNacks(r.result) > 0 || r.result.errors > 0);
  if (bad.length === 0) return [];
  const lines = ['', '!'.repeat(78), '!!! NACKs OR ERRORS DURING A MEASURED WINDOW: THESE FIGURES ARE NOT VALID', '!'.repeat(78)];
  for (const r of bad) {
    lines.push(`${r.target} c${r.concurrency}: ${r.result.nacks} NACK ${JSON.stringify(r.result.nackKinds)}, ${r.result.errors} errors ${JSON.stringify(r.result.errorKinds)}`);
    for (const sample of r.result.nackSamples) lines.push(`  answer: ${sample}`);
  }
  return lines;
}
