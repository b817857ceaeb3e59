import { setTimeout as sleep } from 'node:timers/promises';
import { fullJitterDelayMs } from '../../infra/backoff/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import { PaymentGatewayError } from './gateway-errors.js';

export interface JuspayHttpOptions {
  /** Gateway base URL, e.g. `https://api.juspay.in` or the simulator's URL. */
  baseUrl: string;
  apiKey: string;
  merchantId: string;
  /** Bound on one attempt, from connecting to the last byte of the answer. */
  timeoutMs: number;
  /** Further attempts after the first, for idempotent calls only, on timeouts, connection failures and 5xx. */
  retries: number;
  /** Ceiling of the first retry delay, doubling per attempt up to 5 s, with full jitter (src/infra/backoff). */
  backoffMs: number;
  logger: Logger;
}

export interface JuspayCall {
  /** Names the call in errors and logs, e.g. "order status". */
  operation: string;
  method: 'GET' | 'POST';
  path: string;
  body?: { json: unknown } | { form: Record<string, string> };
  headers?: Record<string, string>;
  /** True only when a repeat cannot act twice: GETs, and POSTs whose key the gateway honours. */
  idempotent: boolean;
}

export interface JuspayAnswer {
  status: number;
  text: string;
  json: Record<string, unknown>;
}

const maxBackoffMs = 5_000;

function encodeBody(body: JuspayCall['body']): { payload?: string; contentType?: string } {
  if (!body) return {};
  if ('json' in body) return { payload: JSON.stringify(body.json), contentType: 'application/json' };
  return { payload: new URLSearchParams(body.form).toString(), contentType: 'application/x-www-form-urlencoded' };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function stringField(body: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = body?.[name];
  return typeof value === 'string' ? value.slice(0, 200) : undefined;
}

function errorFromAnswer(call: JuspayCall, status: number, text: string): PaymentGatewayError {
  const body = parseObject(text);
  const code = stringField(body, 'error_code');
  const said = [code, stringField(body, 'error_message')].filter(Boolean).join(': ');
  const message = `${call.operation} (${call.method} ${call.path}) answered HTTP ${status}${said ? ` ${said}` : ''}`;
  if (status === 401 || status === 403) return new PaymentGatewayError('unauthorized', message, status, code);
  // 429 is the gateway shedding load, not a verdict on the request: retried like a 5xx.
  if (status >= 500 || status === 429) return new PaymentGatewayError('unavailable', message, status, code);
  return new PaymentGatewayError('rejected', message, status, code);
}

/**
 * Calls a Juspay-style API: HTTP Basic with the API key as user name and an
 * empty password, plus `x-merchantid`. Answers a 2xx JSON object or throws a
 * PaymentGatewayError.
 */
export function createJuspayHttp(options: JuspayHttpOptions) {
  const { timeoutMs, retries, backoffMs, logger } = options;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new RangeError(`timeoutMs must be a positive integer, got ${timeoutMs}`);
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${options.apiKey}:`).toString('base64')}`;

  const attempt = async (call: JuspayCall): Promise<JuspayAnswer> => {
    const { payload, contentType } = encodeBody(call.body);
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${baseUrl}${call.path}`, {
        method: call.method,
        headers: {
          ...call.headers,
          authorization,
          'x-merchantid': options.merchantId,
          accept: 'application/json',
          ...(contentType ? { 'content-type': contentType } : {}),
        },
        body: payload,
        redirect: 'manual',
        // The signal covers reading the body too, so a gateway trickling its answer is bounded as well.
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new PaymentGatewayError('timeout', `${call.operation} (${call.method} ${call.path}) got no answer within ${timeoutMs} ms`);
      }
      // fetch's own error carries no request headers; only its cause's code is kept.
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      throw new PaymentGatewayError('unreachable', `${call.operation} (${call.method} ${call.path}) failed: ${typeof code === 'string' ? code : name}`);
    }
    if (response.status < 200 || response.status >= 300) throw errorFromAnswer(call, response.status, text);
    const json = parseObject(text);
    if (!json) throw new PaymentGatewayError('malformed', `${call.operation} (${call.method} ${call.path}) answered ${response.status} without a JSON object`, response.status);
    return { status: response.status, text, json };
  };

  return async function call(request: JuspayCall): Promise<JuspayAnswer> {
    for (let attemptNo = 0; ; attemptNo += 1) {
      try {
        return await attempt(request);
      } catch (error) {
        const failure = error as PaymentGatewayError;
        if (!request.idempotent || !failure.retryable || attemptNo >= retries) throw failure;
        const delayMs = fullJitterDelayMs(attemptNo + 1, { baseBackoffMs: backoffMs, maxBackoffMs });
        logger.warn({ operation: request.operation, attempt: attemptNo + 1, delayMs: Math.round(delayMs), err: failure.message }, 'payment gateway call failed, retrying');
        await sleep(delayMs);
      }
    }
  };
}

export type JuspayHttp = ReturnType<typeof createJuspayHttp>;
