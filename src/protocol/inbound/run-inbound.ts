import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ackBody, nackBody, nackCatalogue, NackError, type NackSide } from '../errors/index.js';
import type { InboundDeps } from './inbound-deps.js';
import type { InboundMessage, Role } from './inbound-message.js';
import { inboundRecord, type InboundOutcome } from './message-record.js';
import { readBody } from './read-body.js';
import type { Step } from './steps/step.js';

/** A role's inbound side: its ordered steps and what durably takes an accepted message. */
export interface InboundRole {
  role: Role;
  side: NackSide;
  steps: readonly Step[];
  /** Makes the message's consequences durable (inbox, outbox); it has returned before the ACK is sent. */
  accept(message: InboundMessage): Promise<void>;
}

export interface InboundResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const keptHeaders = ['authorization', 'x-gateway-authorization', 'proxy-authorization', 'content-type', 'content-length', 'user-agent', 'x-request-id'];

function pickHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of keptHeaders) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

function challenge(error: NackError, deps: InboundDeps, role: Role): Record<string, string> {
  const entry = nackCatalogue[error.reason];
  if (entry.httpStatus !== 401) return {};
  const value = `Signature realm="${deps.settings.identities[role].subscriberId}",headers="(created) (expires) digest"`;
  return entry.gatewayHeader ? { 'Proxy-Authenticate': value } : { 'WWW-Authenticate': value };
}

async function runSteps(role: InboundRole, message: InboundMessage, deps: InboundDeps): Promise<void> {
  if (message.truncated) throw new NackError('PAYLOAD_TOO_LARGE', `body exceeds ${deps.settings.maxBodyBytes} bytes`);
  for (const step of role.steps) await step(message, deps);
  if (message.duplicate) return;
  await role.accept(message);
  await message.confirmClaim?.();
}

function countFailure(error: NackError, deps: InboundDeps, code: string): void {
  if (nackCatalogue[error.reason].httpStatus === 401) deps.metrics.signatureFailures.inc({ code });
  if (error.reason === 'SCHEMA_INVALID') deps.metrics.schemaFailures.inc({ code });
}

/**
 * One inbound Beckn call, start to finish: keep the bytes, run the role's
 * steps until the first refusal, accept durably, write exactly one message
 * log record, and answer ACK or the catalogued NACK.
 */
export async function handleInbound(role: InboundRole, action: string, req: IncomingMessage, deps: InboundDeps): Promise<InboundResponse> {
  const startedAt = deps.clock();
  const { raw, truncated } = await readBody(req, deps.settings.maxBodyBytes);
  const message: InboundMessage = {
    role: role.role,
    side: role.side,
    action,
    url: req.url ?? '',
    startedAt,
    raw,
    truncated,
    bodySha256: createHash('sha256').update(raw).digest('hex'),
    contentType: req.headers['content-type'],
    headers: pickHeaders(req),
    keyId: null,
    verdict: 'not_checked',
    gatewayKeyId: null,
    gatewayVerdict: 'not_checked',
    duplicate: false,
  };

  let response: InboundResponse;
  let outcome: InboundOutcome;
  try {
    await runSteps(role, message, deps);
    response = { status: 200, headers: {}, body: ackBody };
    outcome = { status: 200, ack: 'ACK', errorCode: null, errorType: null, errorMessage: null };
  } catch (thrown) {
    await message.releaseClaim?.().catch((error: unknown) => deps.logger.error({ err: error }, 'could not release a duplicate claim'));
    const error = thrown instanceof NackError ? thrown : new NackError('INTERNAL', 'internal error');
    if (!(thrown instanceof NackError)) deps.logger.error({ err: thrown, action }, 'inbound message failed');
    const body = nackBody(error, role.side);
    const status = nackCatalogue[error.reason].httpStatus;
    countFailure(error, deps, body.error.code);
    response = { status, headers: challenge(error, deps, role.role), body };
    outcome = { status, ack: 'NACK', errorCode: body.error.code, errorType: body.error.type, errorMessage: body.error.message };
  }

  try {
    await deps.messageLog.append(inboundRecord(message, outcome, deps.clock()));
  } catch (error) {
    // Accepted work stays durable; the sender retries on 5xx and is answered ACK as a duplicate.
    deps.logger.error({ err: error, action }, 'message log append failed');
    const failure = new NackError('INTERNAL', 'message could not be recorded; retry');
    return { status: 500, headers: {}, body: nackBody(failure, role.side) };
  }
  return response;
}
