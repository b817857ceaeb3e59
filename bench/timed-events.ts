/**
 * A rider-app event stream (server-sent events) whose events carry the moment
 * this process received them, so a benchmark times a step up to the
 * notification rather than up to its next poll.
 */
export interface TimedEvent {
  event: string;
  data: any;
  /** performance.now() when the event was parsed. */
  at: number;
}

export interface TimedEventStream {
  /** The first event, received or coming, that matches; rejects after `timeoutMs` or when the stream fails. */
  next(predicate: (event: TimedEvent) => boolean, timeoutMs: number): Promise<TimedEvent>;
  close(): void;
}

export function timedEvents(url: string, token: string): TimedEventStream {
  const events: TimedEvent[] = [];
  const waiters = new Set<() => void>();
  const controller = new AbortController();
  let failure: Error | null = null;
  const wake = () => {
    for (const waiter of waiters) waiter();
  };

  void (async () => {
    try {
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: controller.signal });
      if (response.status !== 200 || !response.body) throw new Error(`event stream ${url} answered ${response.status}: ${await response.text()}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const fields: Record<string, string> = {};
          for (const line of buffer.slice(0, end).split('\n')) {
            const colon = line.indexOf(':');
            if (line.startsWith(':') || colon < 0) continue;
            fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
          }
          buffer = buffer.slice(end + 2);
          if (fields.event === undefined && fields.data === undefined) continue;
          events.push({ event: fields.event ?? 'message', data: fields.data === undefined ? null : JSON.parse(fields.data), at: performance.now() });
          wake();
        }
      }
      failure ??= new Error(`event stream ${url} ended`);
    } catch (error) {
      if (!controller.signal.aborted) failure = error instanceof Error ? error : new Error(String(error));
    } finally {
      wake();
    }
  })();

  return {
    next(predicate, timeoutMs) {
      return new Promise((resolve, reject) => {
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        const check = () => {
          let found: TimedEvent | undefined;
          try {
            found = events.find(predicate);
          } catch (error) {
            // A predicate refusing what it sees (a failed booking) rejects this wait, never the stream reader.
            cleanup();
            reject(error instanceof Error ? error : new Error(String(error)));
            return;
          }
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
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}
