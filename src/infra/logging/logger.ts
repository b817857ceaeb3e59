import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';
import { currentTraceIds } from '../tracing/index.js';

export type { Logger };

/** Fields carried onto every log line written while handling one request. */
export interface LogFields {
  request_id?: string;
  transaction_id?: string;
}

const requestFields = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with `fields` attached to every log line it (transitively) writes. */
export function withLogFields<T>(fields: LogFields, fn: () => T): T {
  return requestFields.run(fields, fn);
}

/** Adds fields (e.g. transaction_id once the body is parsed) to the current request's log context. */
export function addLogFields(fields: LogFields): void {
  const current = requestFields.getStore();
  if (current) Object.assign(current, fields);
}

export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'beckn-ride' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // The active span's trace and span ids, when tracing runs, tie each line to its trace.
      mixin: () => ({ ...requestFields.getStore(), ...currentTraceIds() }),
    },
    destination,
  );
}
