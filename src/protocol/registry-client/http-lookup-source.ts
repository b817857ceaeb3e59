import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import axios from 'axios';
import { fullJitterDelayMs } from '../../infra/backoff/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import { RegistryUnavailableError } from './errors.js';
import { lookupRequestBody, type LookupSource } from './subscriber-record.js';

export interface HttpLookupSourceOptions {
  /** Full URL of the registry's lookup endpoint, e.g. `https://registry.example/registry/lookup`. */
  url: string;
  /** Bound on each attempt, connection and answer included. */
  timeoutMs: number;
  /** Further attempts after the first, on network errors, timeouts and 5xx. */
  retries: number;
  logger: Logger;
  /** Ceiling of the first retry delay; doubles per attempt up to 5 s, with full jitter. 100 ms unless given. */
  backoffMs?: number;
  /**
   * Signs each lookup: given the exact body bytes, returns the Authorization
   * header (`Signature …`, as for a Beckn message), as ONDC's v2.0 lookup
   * wants. Unsigned unless given.
   */
  sign?: (body: Uint8Array) => string;
}

const maxBackoffMs = 5_000;

type Attempt = { records: unknown[] } | { retryable: boolean; error: RegistryUnavailableError };

/**
 * Looks records up over HTTP (`POST {url}` with the filter as JSON) on
 * keep-alive connections. A 4xx means our request is wrong, so it is not
 * retried; neither is a 2xx whose body is not an array.
 */
export function httpLookupSource(options: HttpLookupSourceOptions): LookupSource {
  const { url, timeoutMs, retries, logger } = options;
  const backoffMs = options.backoffMs ?? 100;
  const client = axios.create({
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 32 }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 32 }),
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    maxRedirects: 0,
    responseType: 'json',
    validateStatus: () => true,
  });

  const attempt = async (body: Record<string, string>): Promise<Attempt> => {
    try {
      // Sent as these exact bytes, which a signature covers; signed again on each attempt, so never stale.
      const text = JSON.stringify(body);
      const headers = options.sign === undefined ? {} : { authorization: options.sign(Buffer.from(text)) };
      // axios's own timeout only bounds socket inactivity; the signal bounds the whole exchange.
      const response = await client.post<unknown>(url, text, { headers, timeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
      const { status, data } = response;
      if (status >= 200 && status < 300) {
        if (Array.isArray(data)) return { records: data };
        return { retryable: false, error: new RegistryUnavailableError(`registry lookup answered ${status} without a JSON array`, status) };
      }
      return {
        retryable: status >= 500,
        error: new RegistryUnavailableError(`registry lookup answered HTTP ${status}`, status),
      };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return {
        retryable: true,
        error: new RegistryUnavailableError(`registry lookup failed: ${typeof code === 'string' ? code : (error as Error).message}`, undefined, {
          cause: error,
        }),
      };
    }
  };

  return async (filter) => {
    const body = lookupRequestBody(filter);
    for (let attemptNo = 0; ; attemptNo += 1) {
      const outcome = await attempt(body);
      if ('records' in outcome) return outcome.records;
      if (!outcome.retryable || attemptNo >= retries) throw outcome.error;
      const delayMs = fullJitterDelayMs(attemptNo + 1, { baseBackoffMs: backoffMs, maxBackoffMs });
      logger.warn({ url, attempt: attemptNo + 1, delayMs: Math.round(delayMs), err: outcome.error.message }, 'registry lookup failed, retrying');
      await sleep(delayMs);
    }
  };
}
