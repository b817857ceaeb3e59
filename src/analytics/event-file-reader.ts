import { open, stat } from 'node:fs/promises';
import type { Logger } from '../infra/logging/logger.js';
import { minorOf } from './money-text.js';

/** What the analytics need of one business event, read once from its line. */
export interface EventFact {
  type: string;
  side: string;
  ms: number;
  city: string;
  cell: string | null;
  subject: string;
  /** ride.cancelled: cancelled_by. */
  actor: string | null;
  /** driver.assigned: time_to_assign_ms. */
  assignMs: number | null;
  /** supply.snapshot: drivers by state. */
  idle: number;
  online: number;
  /** ride.ended: the fare in minor units. */
  fareMinor: bigint | null;
  currency: string | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0);

/** The fact of one line, or null when the line is not a business event. */
export function factOf(line: string): { id: string; fact: EventFact } | null {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isRecord(event)) return null;
  const { event_id: id, event_type: type, side, occurred_at: occurredAt, city, cell, subject_id: subject } = event;
  const payload = isRecord(event.payload) ? event.payload : {};
  const ms = typeof occurredAt === 'string' ? Date.parse(occurredAt) : NaN;
  if (typeof id !== 'string' || typeof type !== 'string' || typeof side !== 'string' || typeof city !== 'string' || Number.isNaN(ms)) return null;
  const fare = type === 'ride.ended' && isRecord(payload.fare) ? payload.fare : null;
  const currency = fare !== null && typeof fare.currency === 'string' ? fare.currency : null;
  return {
    id,
    fact: {
      type,
      side,
      ms,
      city,
      cell: typeof cell === 'string' && cell !== '' ? cell : null,
      subject: typeof subject === 'string' ? subject : '',
      actor: type === 'ride.cancelled' && typeof payload.cancelled_by === 'string' ? payload.cancelled_by : null,
      assignMs: type === 'driver.assigned' ? count(payload.time_to_assign_ms) : null,
      idle: type === 'supply.snapshot' ? count(payload.idle) : 0,
      online: type === 'supply.snapshot' ? count(payload.online) : 0,
      fareMinor: fare !== null && currency !== null ? minorOf(fare.value, currency) : null,
      currency,
    },
  };
}

export interface EventFileReader {
  /** The events of a city, each event id once, in file order; reads only what was appended since the last call. */
  eventsOf(city: string): Promise<readonly EventFact[]>;
}

const newline = 0x0a;

/**
 * Follows the embedded profile's JSON-lines event file (the relay appends
 * one BusinessEvent per line). The file is parsed once: a later read with
 * the same size and mtime costs a stat, a grown file is read from where the
 * last read stopped. A last line without its newline is left for the next
 * read unless it is already a whole event; a file that shrank or was
 * replaced is read again from the start. The first line of an event id
 * wins, as a replayed relay batch repeats lines.
 */
export function createEventFileReader(path: string, options: { logger?: Logger } = {}): EventFileReader {
  let identity = '';
  let mtimeMs = 0;
  let offset = 0;
  let lineNumber = 0;
  let seen = new Set<string>();
  let byCity = new Map<string, EventFact[]>();
  let pending: Promise<void> = Promise.resolve();

  const reset = (nextIdentity: string) => {
    identity = nextIdentity;
    offset = 0;
    lineNumber = 0;
    seen = new Set();
    byCity = new Map();
  };

  const take = (line: string): boolean => {
    if (line.trim() === '') return true;
    const parsed = factOf(line);
    if (parsed === null) return false;
    if (!seen.has(parsed.id)) {
      seen.add(parsed.id);
      let list = byCity.get(parsed.fact.city);
      if (list === undefined) byCity.set(parsed.fact.city, (list = []));
      list.push(parsed.fact);
    }
    return true;
  };

  async function refresh(): Promise<void> {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reset('');
      throw error;
    }
    const fileIdentity = `${info.dev}:${info.ino}`;
    // Appending grows the file; anything else that touched what was read (rewritten, truncated, replaced) means reading it again.
    const rewritten = info.size < offset || (info.size === offset && info.mtimeMs !== mtimeMs);
    if (fileIdentity !== identity || rewritten) reset(fileIdentity);
    mtimeMs = info.mtimeMs;
    if (info.size === offset) return;
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(info.size - offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      const chunk = buffer.subarray(0, bytesRead);
      let start = 0;
      for (let end = chunk.indexOf(newline); end !== -1; end = chunk.indexOf(newline, start)) {
        lineNumber += 1;
        if (!take(chunk.toString('utf8', start, end))) options.logger?.warn({ path, line: lineNumber }, 'event file line is not a business event; skipped');
        start = end + 1;
      }
      // A torn last line is read again once its writer finishes it; a whole event without its newline counts now.
      if (start < chunk.length && factOf(chunk.toString('utf8', start)) !== null) {
        lineNumber += 1;
        take(chunk.toString('utf8', start));
        start = chunk.length;
      }
      offset += start;
    } finally {
      await handle.close();
    }
  }

  return {
    async eventsOf(city) {
      // One refresh at a time: two requests must not both append the same bytes.
      const run = pending.then(refresh);
      pending = run.catch(() => undefined);
      await run;
      return byCity.get(city) ?? [];
    },
  };
}
