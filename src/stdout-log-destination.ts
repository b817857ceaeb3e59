import type { DestinationStream } from 'pino';

/** Log bytes queued for a stdout nobody reads before lines are dropped. */
const BACKLOG_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * Where the process's log lines go. pino's own stdout destination writes
 * synchronously and, when stdout is a full pipe whose reader has stopped
 * reading, retries EAGAIN in an Atomics.wait loop on the main thread without
 * end: no timer, request or signal handler runs again (a service sent SIGTERM
 * stayed up for good). Writing through process.stdout queues instead while the
 * pipe is full; past BACKLOG_LIMIT_BYTES lines are dropped and counted, and
 * the count is logged once stdout takes lines again. A reader that went away
 * (EPIPE) ends the logging, not the process.
 */
export function stdoutLogDestination(): DestinationStream {
  let dropped = 0;
  let closed = false;
  process.stdout.on('error', () => {
    closed = true;
  });
  return {
    write(line: string) {
      if (closed) return;
      if (process.stdout.writableLength > BACKLOG_LIMIT_BYTES) {
        dropped += 1;
        return;
      }
      if (dropped > 0) {
        const notice = { level: 'warn', time: new Date().toISOString(), service: 'beckn-ride', dropped, msg: 'log lines dropped while stdout was not read' };
        process.stdout.write(`${JSON.stringify(notice)}\n`);
        dropped = 0;
      }
      process.stdout.write(line);
    },
  };
}
