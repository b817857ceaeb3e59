import http from 'node:http';
import https from 'node:https';
import axios, { isAxiosError } from 'axios';
import type { Logger } from '../../infra/logging/logger.js';
import { version } from '../../version.js';
import { parseAckBody, type AckError } from './ack-body.js';

export type HttpOutcome =
  | { kind: 'answered'; status: number; body: string; ack: 'ACK' | 'NACK' | null; error?: AckError }
  | { kind: 'failed'; error: string };

export interface BecknHttpClientOptions {
  /** Hard limit on one POST, from connecting to the last response byte. */
  timeoutMs: number;
  logger: Logger;
  userAgent?: string;
  /** Larger answers count as a failed attempt; an ACK is a few dozen bytes. 64 KiB by default. */
  maxResponseBytes?: number;
}

export interface BecknHttpClient {
  readonly timeoutMs: number;
  /** POSTs `body` exactly as given. Never throws: every result is an outcome. */
  post(url: string, body: Buffer, headers: Record<string, string>): Promise<HttpOutcome>;
  /** Closes the kept-alive sockets. */
  close(): void;
}

const defaultMaxResponseBytes = 64 * 1024;
export const outboundContentType = 'application/json';

function describeFailure(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `timeout after ${timeoutMs} ms`;
  if (isAxiosError(error)) {
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') return `timeout (${error.message})`;
    return error.code ? `${error.code}: ${error.message}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function createBecknHttpClient(options: BecknHttpClientOptions): BecknHttpClient {
  const { timeoutMs, logger } = options;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new RangeError(`timeoutMs must be a positive integer, got ${timeoutMs}`);
  const httpAgent = new http.Agent({ keepAlive: true });
  const httpsAgent = new https.Agent({ keepAlive: true });
  const instance = axios.create({
    httpAgent,
    httpsAgent,
    // Socket inactivity limit; the abort timer below bounds the whole exchange.
    timeout: timeoutMs,
    // Every status is an answer to classify, not an exception.
    validateStatus: () => true,
    // The signature covers these exact bytes: no serialisation on the way out, no parsing on the way in.
    transformRequest: [(data: unknown) => data],
    transformResponse: [(data: unknown) => data],
    responseType: 'text',
    responseEncoding: 'utf8',
    maxContentLength: options.maxResponseBytes ?? defaultMaxResponseBytes,
    // A redirect would turn the POST into a GET or resend to an address nobody signed up for.
    maxRedirects: 0,
    // Participants call each other directly; proxy environment variables are not consulted.
    proxy: false,
  });
  const userAgent = options.userAgent ?? `beckn-ride/${version}`;

  return {
    timeoutMs,
    async post(url, body, headers) {
      const deadline = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        deadline.abort();
      }, timeoutMs);
      try {
        const response = await instance.post<string>(url, body, {
          headers: { ...headers, 'content-type': outboundContentType, 'user-agent': userAgent },
          signal: deadline.signal,
        });
        const text = typeof response.data === 'string' ? response.data : String(response.data ?? '');
        return { kind: 'answered', status: response.status, body: text, ...parseAckBody(text) };
      } catch (error) {
        const description = describeFailure(error, timedOut, timeoutMs);
        logger.debug({ url, error: description }, 'beckn POST failed');
        return { kind: 'failed', error: description };
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
