import { forkLoadChild } from './bench-support.js';

/** One prepared callback: its exact body bytes and the Authorization header signed over them. */
export interface PreparedPost {
  raw: string;
  authorization: string;
}

/** What one batch child is asked to do: POST every request once, `concurrency` at a time, in order. */
export interface BatchSpec {
  url: string;
  concurrency: number;
  requestTimeoutMs: number;
  requests: PreparedPost[];
}

/** The answer to one request, by its index in the batch. */
export interface PostOutcome {
  kind: 'ack' | 'nack' | 'error';
  latencyMs: number;
  /** Epoch milliseconds (sub-millisecond precision) at which the answer had arrived. */
  answeredAt: number;
  /** For a NACK: `status code`; for an error: its message. */
  detail?: string;
  /** For the first few NACKs: the answer as received. */
  sample?: string;
}

/** Messages from the batch child: its clock (answer to a ping), the edges of its sending window, its result. */
export type BatchMessage = { type: 'ready' } | { type: 'pong'; at: number } | { type: 'window'; edge: 'start' | 'end' } | { type: 'result'; result: BatchResult };

/** Called in the parent when the child starts sending and when its last answer is in. */
export interface BatchHooks {
  start(): void;
  end(): void;
}

export interface BatchResult {
  outcomes: PostOutcome[];
  /** From the first request sent to the last answer received, as the child timed it. */
  windowMs: number;
  /** CPU the child used in that window, in percent of one core. */
  clientCpuPercent: number;
  /**
   * The child's epoch clock minus the parent's, estimated from one IPC ping
   * before the batch; subtract it from a child time to compare it with the
   * parent's clock.
   */
  clockOffsetMs: number;
  /** Half the ping's round trip: how far off that estimate may be. */
  clockUncertaintyMs: number;
}

/**
 * Posts a prepared batch from a child process, so the client's HTTP work
 * never shares an event loop with the service measured. Bodies are signed
 * beforehand: the child only sends.
 */
export function runBatch(spec: BatchSpec, hooks: BatchHooks): Promise<BatchResult> {
  const limitMs = spec.requestTimeoutMs * Math.ceil(spec.requests.length / spec.concurrency) + 60_000;
  return forkLoadChild<BatchResult>(new URL('./rider-load-generator.ts', import.meta.url), 'batch sender', limitMs, (child, done) => {
    let offsetMs = 0;
    let uncertaintyMs = 0;
    let pingedAt = 0;
    child.on('message', (message: BatchMessage) => {
      if (message.type === 'ready') {
        // Pinged once the child is up, so its start-up time is not taken for a clock difference.
        pingedAt = performance.timeOrigin + performance.now();
        child.send({ type: 'ping' });
      } else if (message.type === 'pong') {
        const pongAt = performance.timeOrigin + performance.now();
        offsetMs = message.at - (pingedAt + pongAt) / 2;
        uncertaintyMs = (pongAt - pingedAt) / 2;
        child.send(spec);
      } else if (message.type === 'window') {
        if (message.edge === 'start') hooks.start();
        else hooks.end();
      } else done({ ...message.result, clockOffsetMs: offsetMs, clockUncertaintyMs: uncertaintyMs });
    });
  });
}
