/** The message log's dead letters, in the reject row shape every sink shares (src/infra/kafka-sink). */
export const REJECTS_TABLE = 'beckn_message_log_rejects';

export { rejectRowColumns, toRejectRow, type RejectRow } from '../../infra/kafka-sink/index.js';
