/** One server-sent event as the rider app reads it. */
export interface RiderEvent {
  id: string | null;
  event: string;
  data: any;
}

export interface EventReader {
  events: RiderEvent[];
  /** The first event (already received or coming) that matches. */
  next(predicate: (event: RiderEvent) => boolean, timeoutMs?: number): Promise<RiderEvent>;
  close(): void;
}

/** Follows a rider-app event stream over real HTTP, parsing `id:`/`event:`/`data:` blocks. */
export function readEvents(url: string, token: string): EventReader {
  const events: RiderEvent[] = [];
  const waiters = new Set<() => void>();
  const controller = new AbortController();
  let failure: Error | null = null;

  const wake = () => {
    for (const waiter of waiters) waiter();
  };

  void (async () => {
    try {
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: controller.signal });
      if (response.status !== 200 || !response.body) throw new Error(`event stream answered ${response.status}: ${await response.text()}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            if (colon < 0) continue;
            fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
          }
          if (fields.event === undefined && fields.data === undefined) continue;
          events.push({ id: fields.id ?? null, event: fields.event ?? 'message', data: fields.data === undefined ? null : JSON.parse(fields.data) });
          wake();
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) failure = error instanceof Error ? error : new Error(String(error));
    } finally {
      wake();
    }
  })();

  return {
    events,
    next(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (found) {
            cleanup();
            resolve(found);
          } else if (failure) {
            cleanup();
            reject(failure);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching event from ${url} in ${timeoutMs} ms (got ${events.map((e) => e.event).join(', ') || 'none'})`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}
