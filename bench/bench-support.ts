/**
 * Pieces every HTTP benchmark (`bench:protocol`, `bench:rider`) shares: option
 * parsing, output, machine CPU readings, stopping on a signal, the process
 * exit, and the child processes that send the load. Node built-ins only, so a
 * load child imports it without loading the service.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { request, type Agent } from 'node:http';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

export function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return value;
}

export const print = (text = '') => process.stdout.write(`${text}\n`);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU time of all cores so far: busy and in total (busy / total between two readings is the machine's busy share). */
export function busyAndTotal(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

/**
 * A signal lets the current step finish (each is bounded), then everything is
 * closed as on a normal end: `stop.requested` is set, and `checkStop` throws
 * from then on.
 */
export function stopOnSignal(): { stop: { requested: boolean }; checkStop: () => void } {
  const stop = { requested: false };
  const onSignal = () => {
    stop.requested = true;
    print('interrupted: stopping after the current step, then cleaning up');
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const checkStop = () => {
    if (stop.requested) throw new Error('interrupted');
  };
  return { stop, checkStop };
}

/** Closes every one of `closing` (those started), each whatever the others do; a failure is written to stderr. */
export async function closeAll(closing: (Promise<void> | undefined)[]): Promise<void> {
  const closed = await Promise.allSettled(closing);
  for (const outcome of closed) if (outcome.status === 'rejected') process.stderr.write(`cleanup failed: ${String(outcome.reason)}\n`);
}

/** Runs a benchmark's `main` as the process: its answer is the exit code, a throw is written to stderr and exits 1. */
export async function runBenchmark(name: string, main: () => Promise<number>): Promise<void> {
  const exitCode = await main().catch((error: unknown) => {
    process.stderr.write(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  });
  process.exitCode = exitCode;
  // Everything is closed by now; a handle some client library still holds must not keep the process alive.
  setTimeout(() => {
    process.stderr.write(`${name}: a handle was still open 10 s after cleanup; exiting anyway\n`);
    process.exit(exitCode);
  }, 10_000).unref();
}

export interface Answer {
  status: number;
  text: string;
}

/** One POST of `raw` over `agent`, its answer read in full; rejects on a socket error or after `timeoutMs` without an answer. */
export function postOnce(agent: Agent, url: URL, raw: Buffer, authorization: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': raw.length, authorization },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(raw);
  });
}

/** Whether a beckn answer is an ACK; otherwise `status error-code` (or `status (not JSON)`). */
export function judgeAnswer(answer: Answer): { ack: boolean; detail: string } {
  try {
    const parsed = JSON.parse(answer.text) as { message?: { ack?: { status?: unknown } }; error?: { code?: unknown } };
    if (answer.status === 200 && parsed.message?.ack?.status === 'ACK') return { ack: true, detail: '' };
    return { ack: false, detail: `${answer.status} ${String(parsed.error?.code ?? '-')}` };
  } catch {
    return { ack: false, detail: `${answer.status} (not JSON)` };
  }
}

/** In a load child: a message to the parent over IPC. */
export function sendToParent(message: unknown, sent: () => void = () => undefined): void {
  process.send?.(message, sent);
}

/** In a load child: sends the result of `work` to the parent and disconnects; a failure is written to stderr and exits 1. */
export function reportToParent(what: string, work: Promise<unknown>): void {
  work.then(
    (result) => {
      sendToParent({ type: 'result', result }, () => process.disconnect());
    },
    (error: unknown) => {
      process.stderr.write(`${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Forks a load child (`node --import tsx`), so the client's work never shares
 * an event loop with the service measured, and resolves with the result it
 * reported once it has exited. `talk` handles its messages (calling `done` with
 * the result) and sends it its work. The child is killed if it outlives
 * `limitMs`.
 */
export function forkLoadChild<R>(moduleUrl: URL, what: string, limitMs: number, talk: (child: ChildProcess, done: (result: R) => void) => void): Promise<R> {
  const child = fork(fileURLToPath(moduleUrl), [], { cwd: repoRoot, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<R>((resolve, reject) => {
    let result: R | null = null;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} still running after ${limitMs} ms; killed`));
    }, limitMs);
    talk(child, (reported) => {
      result = reported;
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`${what} exited (code ${String(code)}, signal ${String(signal)}) without a result`));
    });
  });
}
