import type { Request, Response } from 'express';
import type { CorrelationStore } from '../infra/correlation/index.js';
import type { Logger } from '../infra/logging/logger.js';

export interface StreamItem {
  /** Sent once per distinct key: an estimate's id, or a booking's state and version. */
  key: string;
  event: string;
  data: unknown;
}

export interface StreamView {
  items: StreamItem[];
  /** Nothing more will come: the stream says `end` and closes. */
  done: boolean;
  /** Epoch ms at which to look again even without a notification (e.g. when a search window closes). */
  recheckAt?: number;
}

const HEARTBEAT_MS = 15_000;
/** Looked at again this often even without a notification, so a lost pub/sub message only delays an event. */
const SAFETY_REFRESH_MS = 5_000;

/**
 * A server-sent event stream over state kept in Postgres. Every replica
 * announces committed changes on a Redis channel; on each announcement (and
 * once at the start, after subscribing so nothing falls between) the stream
 * re-reads the view and sends what it has not sent yet; it also looks every
 * few seconds, so a notification lost on the way costs a delay, not an
 * event. A client that reconnects gets the whole view again.
 */
export async function streamView(
  deps: { correlation: CorrelationStore; logger: Logger },
  req: Request,
  res: Response,
  channel: string,
  read: () => Promise<StreamView>,
): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();

  const sent = new Set<string>();
  let closed = false;
  let running = false;
  let again = false;
  let recheck: NodeJS.Timeout | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;

  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    clearInterval(safety);
    if (recheck) clearTimeout(recheck);
    void unsubscribe?.().catch((error: unknown) => deps.logger.warn({ err: error, channel }, 'could not unsubscribe an event stream'));
    res.end();
  };

  const refresh = async (): Promise<void> => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const view = await read();
        for (const item of view.items) {
          if (sent.has(item.key) || closed) continue;
          sent.add(item.key);
          res.write(`id: ${item.key}\nevent: ${item.event}\ndata: ${JSON.stringify(item.data)}\n\n`);
        }
        if (view.done) {
          res.write('event: end\ndata: {}\n\n');
          close();
          return;
        }
        if (view.recheckAt !== undefined && !recheck) {
          recheck = setTimeout(() => {
            recheck = undefined;
            void refresh();
          }, Math.max(0, view.recheckAt - Date.now()) + 50);
        }
      } while (again && !closed);
    } catch (error) {
      deps.logger.error({ err: error, channel }, 'event stream failed');
      res.write(`event: error\ndata: ${JSON.stringify({ message: 'the stream failed; reconnect to resume' })}\n\n`);
      close();
    } finally {
      running = false;
    }
  };

  const heartbeat = setInterval(() => {
    if (!closed) res.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  const safety = setInterval(() => void refresh(), SAFETY_REFRESH_MS);
  req.on('close', close);

  unsubscribe = await deps.correlation.subscribe(channel, () => void refresh());
  if (closed) {
    await unsubscribe();
    return;
  }
  await refresh();
}
