import type { NextFunction, Request, Response } from 'express';
import { ConnectionError, DatabaseError } from 'sequelize';
import type { Logger } from '../logging/logger.js';
import { AppError, type ErrorCode } from './app-error.js';
import { httpStatusByCode } from './error-catalogue.js';
import { logFieldsOf } from './request-context.js';

/** Errors raised by body-parser, identified by their `type`. */
const parserErrors: Record<string, { code: ErrorCode; message: string }> = {
  'entity.parse.failed': { code: 'INVALID_JSON', message: 'request body is not valid JSON' },
  'entity.too.large': { code: 'PAYLOAD_TOO_LARGE', message: 'request body is too large' },
  'encoding.unsupported': { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported content encoding' },
  'charset.unsupported': { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported charset' },
  'request.aborted': { code: 'INVALID_JSON', message: 'request body was aborted' },
  'request.size.invalid': { code: 'INVALID_JSON', message: 'request body size does not match content-length' },
};

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const type = (error as { type?: unknown } | null)?.type;
  const known = typeof type === 'string' ? parserErrors[type] : undefined;
  if (known) return new AppError(known.code, known.message);
  // The router fails to decode a path parameter with malformed percent-encoding.
  if (error instanceof URIError) return new AppError('VALIDATION_FAILED', 'malformed percent-encoding in the path');
  if (isStoreUnavailable(error)) return new AppError('UNAVAILABLE', 'the database is unavailable; retry later');
  return new AppError('INTERNAL', 'internal error');
}

/** Postgres SQLSTATEs of a server shutting down or not yet accepting connections. */
const unavailableStates = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);

/** Postgres unreachable or going away: the request may succeed later, so the answer is a 503, not a 500. */
function isStoreUnavailable(error: unknown): boolean {
  if (error instanceof ConnectionError) return true;
  if (error instanceof DatabaseError) {
    const code = (error.parent as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' && unavailableStates.has(code);
  }
  return false;
}

/** The central error handler: every failure becomes a JSON error body; 500s hide their details. */
export function errorHandler(logger: Logger) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const appError = toAppError(error);
    const status = httpStatusByCode[appError.code];
    const fields = logFieldsOf(res) ?? {};
    if (status >= 500) logger.error({ ...fields, err: error }, 'request failed');
    else logger.debug({ ...fields, code: appError.code }, appError.message);
    if (status === 503) res.setHeader('Retry-After', '1');
    res.status(status).json({
      error: {
        code: appError.code,
        message: appError.message,
        ...(appError.details === undefined ? {} : { details: appError.details }),
        request_id: fields.request_id,
      },
    });
  };
}
