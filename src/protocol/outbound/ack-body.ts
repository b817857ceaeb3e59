/** The `error` object of a NACK; core 1.1 names the pointer `paths`, older senders `path`. */
export interface AckError {
  code?: string;
  type?: string;
  message?: string;
  paths?: string;
}

export interface ParsedAck {
  ack: 'ACK' | 'NACK' | null;
  error?: AckError;
}

function member(source: unknown, key: string): unknown {
  return typeof source === 'object' && source !== null ? (source as Record<string, unknown>)[key] : undefined;
}

/** Some networks send numeric codes; they are kept as text like the catalogue's. */
function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Reads `message.ack.status` and `error` from a response body; anything unreadable gives ack null. */
export function parseAckBody(body: string): ParsedAck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ack: null };
  }
  const status = member(member(member(parsed, 'message'), 'ack'), 'status');
  const ack = status === 'ACK' || status === 'NACK' ? status : null;
  const raw = member(parsed, 'error');
  if (typeof raw !== 'object' || raw === null) return { ack };
  const error: AckError = {};
  const code = scalar(member(raw, 'code'));
  const type = scalar(member(raw, 'type'));
  const message = scalar(member(raw, 'message'));
  const paths = scalar(member(raw, 'paths')) ?? scalar(member(raw, 'path'));
  if (code !== undefined) error.code = code;
  if (type !== undefined) error.type = type;
  if (message !== undefined) error.message = message;
  if (paths !== undefined) error.paths = paths;
  return { ack, error };
}
