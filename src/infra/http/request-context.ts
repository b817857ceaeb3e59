import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { withLogFields, type LogFields } from '../logging/logger.js';
import { isUuid } from '../validation/index.js';

const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

export function logFieldsOf(res: Response): LogFields {
  return res.locals.logFields as LogFields;
}

/** Gives each request an id (the caller's X-Request-Id when sane) and a log context carrying it. */
export function requestContext(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.get('x-request-id');
  const fields: LogFields = {
    request_id: incoming && acceptableRequestId.test(incoming) ? incoming : randomUUID(),
  };
  res.locals.logFields = fields;
  res.setHeader('X-Request-Id', fields.request_id as string);
  withLogFields(fields, next);
}

/**
 * Body parsing resumes in the socket's async context, losing the request's log
 * context; this re-enters it and adds the Beckn transaction_id once the body is known.
 */
export function reenterRequestContext(req: Request, res: Response, next: NextFunction): void {
  const fields = logFieldsOf(res);
  const transactionId = (req.body as { context?: { transaction_id?: unknown } } | undefined)?.context?.transaction_id;
  if (typeof transactionId === 'string' && isUuid(transactionId)) fields.transaction_id = transactionId;
  withLogFields(fields, next);
}
