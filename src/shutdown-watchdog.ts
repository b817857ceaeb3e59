import { Worker } from 'node:worker_threads';

/**
 * Runs on its own thread, so a main thread stuck in a synchronous call (a
 * blocked write, an Atomics.wait, a WebAssembly call that never returns)
 * cannot stop it. CommonJS and no loader: it must not wait on anything the
 * main thread provides.
 */
const watchdogSource = `
const { writeSync } = require('node:fs');
const { workerData } = require('node:worker_threads');
setTimeout(() => {
  try {
    writeSync(2, 'beckn-ride: shutdown exceeded ' + workerData.boundMs + ' ms, killing the process\\n');
  } catch {
    // stderr may be a full pipe; the kill below matters more than the line.
  }
  process.kill(workerData.pid, 'SIGKILL');
}, workerData.boundMs);
`;

/**
 * Kills this process with SIGKILL `boundMs` after the call, whatever the main
 * thread is doing. The thread is unreferenced: a shutdown that finishes in time
 * exits normally and takes the watchdog with it.
 */
export function startShutdownWatchdog(boundMs: number): void {
  const worker = new Worker(watchdogSource, { eval: true, execArgv: [], workerData: { pid: process.pid, boundMs } });
  worker.unref();
}
