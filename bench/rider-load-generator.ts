/**
 * The batch child of `npm run bench:rider`: receives one BatchSpec over IPC,
 * POSTs each prepared (already signed) body once over a keep-alive agent with
 * `concurrency` request loops taking the next body in order, and sends back
 * one outcome per request.
 */
import { Agent } from 'node:http';
import { judgeAnswer, postOnce, reportToParent, sendToParent } from './bench-support.js';
import type { BatchMessage, BatchResult, BatchSpec, PostOutcome } from './rider-load.js';

const nowEpoch = () => performance.timeOrigin + performance.now();

async function run(spec: BatchSpec): Promise<BatchResult> {
  const url = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const bodies = spec.requests.map((r) => Buffer.from(r.raw, 'utf8'));
  const outcomes: PostOutcome[] = new Array<PostOutcome>(bodies.length);
  let next = 0;
  let samples = 0;

  const loop = async () => {
    for (;;) {
      const index = next++;
      const raw = bodies[index];
      const prepared = spec.requests[index];
      if (raw === undefined || prepared === undefined) return;
      const started = performance.now();
      try {
        const answer = await postOnce(agent, url, raw, prepared.authorization, spec.requestTimeoutMs);
        const latencyMs = performance.now() - started;
        const verdict = judgeAnswer(answer);
        const outcome: PostOutcome = { kind: verdict.ack ? 'ack' : 'nack', latencyMs, answeredAt: nowEpoch() };
        if (!verdict.ack) {
          outcome.detail = verdict.detail;
          if (samples++ < 3) outcome.sample = answer.text.slice(0, 400);
        }
        outcomes[index] = outcome;
      } catch (error) {
        outcomes[index] = { kind: 'error', latencyMs: performance.now() - started, answeredAt: nowEpoch(), detail: error instanceof Error ? error.message : String(error) };
      }
    }
  };

  send({ type: 'window', edge: 'start' });
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, bodies.length) }, loop));
  const windowMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  send({ type: 'window', edge: 'end' });
  agent.destroy();
  return { outcomes, windowMs, clientCpuPercent: ((cpu.user + cpu.system) / 1000 / windowMs) * 100, clockOffsetMs: 0, clockUncertaintyMs: 0 };
}

const send: (message: BatchMessage) => void = sendToParent;

process.on('message', (message: { type: 'ping' } | BatchSpec) => {
  if ('type' in message) {
    send({ type: 'pong', at: nowEpoch() });
    return;
  }
  reportToParent('batch sender', run(message));
});
send({ type: 'ready' });
// An orphaned child (its parent gone) stops instead of loading the machine.
process.once('disconnect', () => process.exit(0));
