/**
 * The batch child of `npm run bench:rider`: receives one BatchSpec over IPC,
 * POSTs each prepared (already signed) body once over a keep-alive agent with
 * `concurrency` request loops taking the next body in order, and sends back
 * one outcome per request.
 */
import { Agent, request } from 'node:http';
import type { BatchMessage, BatchResult, BatchSpec, PostOutcome } from './rider-load.js';

const nowEpoch = () => performance.timeOrigin + performance.now();

function post(agent: Agent, url: URL, raw: Buffer, authorization: string, timeoutMs: number): Promise<{ status: number; text: string }> {
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

function judge(answer: { status: number; text: string }): { ack: boolean; detail: string } {
  try {
    const parsed = JSON.parse(answer.text) as { message?: { ack?: { status?: unknown } }; error?: { code?: unknown } };
    if (answer.status === 200 && parsed.message?.ack?.status === 'ACK') return { ack: true, detail: '' };
    return { ack: false, detail: `${answer.status} ${String(parsed.error?.code ?? '-')}` };
  } catch {
    return { ack: false, detail: `${answer.status} (not JSON)` };
  }
}

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
        const answer = await post(agent, url, raw, prepared.authorization, spec.requestTimeoutMs);
        const latencyMs = performance.now() - started;
        const verdict = judge(answer);
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

function send(message: BatchMessage, sent: () => void = () => undefined): void {
  process.send?.(message, sent);
}

process.on('message', (message: { type: 'ping' } | BatchSpec) => {
  if ('type' in message) {
    send({ type: 'pong', at: nowEpoch() });
    return;
  }
  run(message).then(
    (result) => {
      send({ type: 'result', result }, () => process.disconnect());
    },
    (error: unknown) => {
      process.stderr.write(`batch sender failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
});
send({ type: 'ready' });
// An orphaned child (its parent gone) stops instead of loading the machine.
process.once('disconnect', () => process.exit(0));
