import { nackCatalogue, type NackReason, type NackSide } from './nack-catalogue.js';

/** A refusal raised by a pipeline step; the first one ends the pipeline with a NACK. */
export class NackError extends Error {
  constructor(
    readonly reason: NackReason,
    message: string,
    /** JSON pointer(s) of the offending field(s), comma-separated as in core 1.1 `paths`. */
    readonly paths?: string,
    /** Seconds the sender should wait before retrying, answered as `Retry-After`. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'NackError';
  }
}

export interface NackBody {
  message: { ack: { status: 'NACK' } };
  error: { type: string; code: string; paths?: string; message: string };
}

export const ackBody = Object.freeze({ message: Object.freeze({ ack: Object.freeze({ status: 'ACK' as const }) }) });

export function nackBody(error: NackError, side: NackSide): NackBody {
  const entry = nackCatalogue[error.reason];
  return {
    message: { ack: { status: 'NACK' } },
    error: {
      type: entry.type,
      code: entry.codes[side],
      ...(error.paths ? { paths: error.paths } : {}),
      message: error.message,
    },
  };
}
