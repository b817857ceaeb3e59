import type { IncomingMessage } from 'node:http';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from './app-error.js';

const jsonType = /^application\/(?:[\w.+-]+\+)?json$/i;

function isJson(req: IncomingMessage): boolean {
  const type = req.headers['content-type']?.split(';')[0]?.trim() ?? '';
  return jsonType.test(type);
}

function hasBody(req: Request): boolean {
  const length = req.get('content-length');
  return req.get('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
}

/** Requests that carry a body must say it is JSON: the only body type beckn-ride accepts. */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  if (hasBody(req) && !isJson(req)) {
    const type = req.get('content-type') ?? 'no content type';
    next(new AppError('UNSUPPORTED_MEDIA_TYPE', `expected application/json, got ${type}`));
    return;
  }
  next();
}

/**
 * Parses JSON bodies up to `limitBytes`, keeping the exact bytes on
 * `req.rawBody`: Beckn signatures cover the bytes, never re-serialised JSON.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  return express.json({
    limit: limitBytes,
    strict: true,
    type: isJson,
    verify: (req, _res, buffer) => {
      (req as Request & { rawBody?: Buffer }).rawBody = buffer;
    },
  });
}
