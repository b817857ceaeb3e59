export { createEventsSink, DEFAULT_EVENTS_TOPIC, EVENTS_REJECTS_TABLE, type EventsSink, type EventsSinkOptions, type EventsSinkStats } from './events-sink.js';
export { BUSINESS_EVENTS_TABLE, toBusinessEventRow, toMinorUnits, type BusinessEventRow } from './event-row.js';
export { bucketOf, CELL_AGGREGATES_TABLE, recomputeCellsSql, touchedBuckets } from './cell-aggregates.js';
export { parseEventValue, type ParsedEvent } from './parse-event.js';
