export * from './event-catalog.js';
export { recordBusinessEvent, schemaOfSide, type EventSchema } from './record-event.js';
