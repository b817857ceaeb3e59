import type { SigningKey } from '../src/protocol/signing/index.js';
import { forkLoadChild } from './bench-support.js';

/** What one load generator child is asked to do. */
export interface LoadSpec {
  /** The endpoint every request is POSTed to. */
  url: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  requestTimeoutMs: number;
  signingKey: SigningKey;
  /** A request body; each request gets fresh transaction_id, message_id and timestamp in its context. */
  template: { context: Record<string, unknown> } & Record<string, unknown>;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  /** ACKs completed inside the measured window. */
  acks: number;
  nacks: number;
  /** NACKs by `HTTP status / error code`, and a few answers as received. */
  nackKinds: Record<string, number>;
  nackSamples: string[];
  /** Requests that got no answer (socket error, timeout). */
  errors: number;
  errorKinds: Record<string, number>;
  /** Length of the measured window as the child timed it. */
  windowMs: number;
  /** Of the answers completed inside the window, in milliseconds. */
  latencyMs: LatencySummary;
  /** CPU the child used inside the window, in percent of one core. */
  clientCpuPercent: number;
  /** Every ACK of the run, warm-up and stragglers included (what the server has accepted). */
  acksTotal: number;
}

/** Called in the parent when the child opens and closes its measured window. */
export interface WindowHooks {
  start(): void;
  end(): void;
}

export type GeneratorMessage = { type: 'window'; edge: 'start' | 'end' } | { type: 'result'; result: LoadResult };

/**
 * Runs one load phase in a child process, so the client's signing and HTTP
 * work never shares an event loop with the server measured. The child is
 * killed if it outlives its own bounds by a wide margin.
 */
export function runLoad(spec: LoadSpec, hooks: WindowHooks): Promise<LoadResult> {
  const limitMs = spec.warmupMs + spec.durationMs + spec.requestTimeoutMs + 60_000;
  return forkLoadChild<LoadResult>(new URL('./load-generator.ts', import.meta.url), 'load generator', limitMs, (child, done) => {
    child.on('message', (message: GeneratorMessage) => {
      if (message.type === 'result') done(message.result);
      else if (message.edge === 'start') hooks.start();
      else hooks.end();
    });
    child.send(spec);
  });
}
