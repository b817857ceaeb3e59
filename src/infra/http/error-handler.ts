import type { NextFunction, Request, Response } from 'express';
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
  return new AppError('INTERNAL', 'internal error');
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
