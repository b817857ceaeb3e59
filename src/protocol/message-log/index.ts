export type { MessageLog, MessageRecord } from './message-record.js';
export { openFileMessageLog, readFileMessageLog } from './file-message-log.js';
