import type { IncomingMessage } from 'node:http';
import { currentTraceIds, inSpan, requestContext, type Span } from '../../infra/tracing/index.js';
import { ackBody, nackBody, nackCatalogue, NackError, type NackSide } from '../errors/index.js';
import type { InboundDeps } from './inbound-deps.js';
import type { InboundMessage, Role } from './inbound-message.js';
import { hasArrayLongerThan, MAX_ARRAY_ITEMS, MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';
import { inboundRecord, type InboundOutcome, type KeptBody } from './message-record.js';
import { readBody } from './read-body.js';
import { sourceKey } from './source-address.js';
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

interface Answer {
  response: InboundResponse;
  outcome: InboundOutcome;
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
  // Before any step: schema validation and audit masking walk the body recursively.
  if (nestsDeeperThan(message.raw, MAX_JSON_DEPTH)) throw new NackError('NESTING_TOO_DEEP', `body is nested deeper than ${MAX_JSON_DEPTH} arrays or objects`);
  if (hasArrayLongerThan(message.raw, MAX_ARRAY_ITEMS)) throw new NackError('ARRAY_TOO_LONG', `an array of the body holds more than ${MAX_ARRAY_ITEMS} items`);
  try {
    for (const step of role.steps) await inSpan(`beckn.step ${step.name || 'step'}`, {}, () => step(message, deps));
    if (message.duplicate) return;
    await inSpan('beckn.accept', {}, () => role.accept(message));
  } catch (error) {
    await message.releaseClaim?.().catch((failure: unknown) => deps.logger.error({ err: failure }, 'could not release a duplicate claim'));
    throw error;
  }
  // Accepted durably: the answer is ACK from here on. A claim left pending is
  // settled by the duplicate step against the inbox when the sender retries.
  await message.confirmClaim?.().catch((error: unknown) =>
    deps.logger.error({ err: error, action: message.action }, 'accepted message: its duplicate claim could not be confirmed'),
  );
}

function countFailure(error: NackError, deps: InboundDeps, code: string): void {
  if (nackCatalogue[error.reason].httpStatus === 401) deps.metrics.signatureFailures.inc({ code });
  if (error.reason === 'SCHEMA_INVALID') deps.metrics.schemaFailures.inc({ code });
}

function refusal(error: NackError, role: InboundRole, deps: InboundDeps): Answer {
  const body = nackBody(error, role.side);
  const status = nackCatalogue[error.reason].httpStatus;
  return {
    response: { status, headers: { ...challenge(error, deps, role.role), ...(error.retryAfterSeconds ? { 'Retry-After': String(error.retryAfterSeconds) } : {}) }, body },
    outcome: { status, ack: 'NACK', errorCode: body.error.code, errorType: body.error.type, errorMessage: body.error.message },
  };
}

/**
 * Refusals of messages whose signature did not verify cost their sender
 * nothing, so they are counted per source address: past the limit they are
 * answered 429, the first one is recorded without its body and the rest of
 * the window not at all (the failure metrics still count them). Our own
 * failures (5xx) never count against a sender.
 */
async function limitRefusals(answer: Answer, message: InboundMessage, role: InboundRole, deps: InboundDeps): Promise<{ answer: Answer; kept: KeptBody | null }> {
  const unlimited = { answer, kept: message.verdict === 'valid' ? 'whole' : 'prefix' } as const;
  if (answer.outcome.ack === 'ACK' || message.verdict === 'valid' || answer.outcome.status >= 500) return unlimited;
  const { limit, windowMs } = deps.settings.refusalLimit;
  let decision;
  try {
    decision = await deps.rateLimiter.hit(`refused:${message.source}`, limit, windowMs);
  } catch (error) {
    deps.logger.error({ err: error }, 'refusal limit unavailable: refusal answered and recorded as usual');
    return unlimited;
  }
  if (decision.allowed) return unlimited;
  const limited = refusal(new NackError('RATE_LIMITED', `more than ${limit} refused messages in ${windowMs} ms from this address; retry in ${decision.resetMs} ms`), role, deps);
  limited.response.headers['Retry-After'] = String(Math.max(1, Math.ceil(decision.resetMs / 1000)));
  const first = decision.count === limit + 1;
  if (first) deps.logger.warn({ source: message.source, limit, windowMs }, 'refusals from one address over their limit: answered 429 and not recorded until the window ends');
  return { answer: limited, kept: first ? 'none' : null };
}

/**
 * One inbound Beckn call, start to finish: keep the bytes, run the role's
 * steps until the first refusal, accept durably, write the message log
 * record (all of it, a bounded prefix of an unauthenticated refusal, or none
 * past the refusal limit), and answer ACK or the catalogued NACK.
 */
export function handleInbound(role: InboundRole, action: string, req: IncomingMessage, deps: InboundDeps): Promise<InboundResponse> {
  return inSpan(
    `beckn.inbound ${action}`,
    { parent: requestContext(req.headers), attributes: { 'beckn.role': role.role, 'beckn.action': action } },
    (span) => runInbound(role, action, req, deps, span),
  );
}

/** The sender's trace context (its `traceparent`) continues into the steps, the inbox entry and the record. */
async function runInbound(role: InboundRole, action: string, req: IncomingMessage, deps: InboundDeps, span: Span): Promise<InboundResponse> {
  const startedAt = deps.clock();
  const body = await readBody(req, deps.settings.maxBodyBytes);
  const message: InboundMessage = {
    role: role.role,
    side: role.side,
    action,
    url: req.url ?? '',
    startedAt,
    raw: body.raw,
    truncated: body.truncated,
    size: body.size,
    bodySha256: body.sha256,
    source: sourceKey(req.socket.remoteAddress),
    contentType: req.headers['content-type'],
    headers: pickHeaders(req),
    keyId: null,
    verdict: 'not_checked',
    gatewayKeyId: null,
    gatewayVerdict: 'not_checked',
    duplicate: false,
  };

  let answer: Answer;
  try {
    await runSteps(role, message, deps);
    answer = { response: { status: 200, headers: {}, body: ackBody }, outcome: { status: 200, ack: 'ACK', errorCode: null, errorType: null, errorMessage: null } };
  } catch (thrown) {
    const error = thrown instanceof NackError ? thrown : new NackError('INTERNAL', 'internal error');
    if (!(thrown instanceof NackError)) deps.logger.error({ err: thrown, action }, 'inbound message failed');
    answer = refusal(error, role, deps);
    countFailure(error, deps, answer.outcome.errorCode ?? '');
  }

  span.setAttributes({
    'beckn.transaction_id': message.context?.transaction_id ?? '',
    'beckn.message_id': message.context?.message_id ?? '',
    'beckn.ack': answer.outcome.ack,
    ...(answer.outcome.errorCode ? { 'beckn.error_code': answer.outcome.errorCode } : {}),
  });
  const { answer: final, kept } = await limitRefusals(answer, message, role, deps);
  if (kept === null) return final.response;
  try {
    const trace = currentTraceIds();
    const record = { ...inboundRecord(message, final.outcome, deps.clock(), kept), ...(trace ? { trace_id: trace.trace_id } : {}) };
    await inSpan('beckn.message_log.append', {}, () => deps.messageLog.append(record));
  } catch (error) {
    // Accepted work stays durable; the sender retries on 5xx and is answered ACK as a duplicate.
    deps.logger.error({ err: error, action }, 'message log append failed');
    const failure = new NackError('INTERNAL', 'message could not be recorded; retry');
    return { status: 500, headers: {}, body: nackBody(failure, role.side) };
  }
  return final.response;
}
