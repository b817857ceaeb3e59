/**
 * A period is a UTC calendar month ('YYYY-MM'), the span of one
 * beckn_message_log partition: retention drops a month's records and its
 * tree together. A record belongs to the period its `started_at` falls in.
 */
export type Period = string;

// Years the log can hold (ClickHouse DateTime, the audit API's time bounds).
const periodPattern = /^(19[7-9]\d|20\d\d)-(0[1-9]|1[0-2])$/;

export function isPeriod(value: string): boolean {
  return periodPattern.test(value);
}

export function periodOf(time: Date | string): Period {
  return new Date(typeof time === 'string' ? Date.parse(time) : time.getTime()).toISOString().slice(0, 7);
}

/** [start, end) of the period. */
export function periodBounds(period: Period): { start: Date; end: Date } {
  const match = periodPattern.exec(period);
  if (match === null) throw new RangeError(`${period} is not a period (YYYY-MM)`);
  const year = Number(match[1]);
  const month = Number(match[2]) - 1;
  return { start: new Date(Date.UTC(year, month, 1)), end: new Date(Date.UTC(year, month + 1, 1)) };
}
