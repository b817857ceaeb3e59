import type { ErrorCode } from './app-error.js';

/** HTTP status for each error code; the only place statuses are chosen for errors. */
export const httpStatusByCode: Readonly<Record<ErrorCode, number>> = Object.freeze({
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
  SHUTTING_DOWN: 503,
  UNAVAILABLE: 503,
});

/** JSON Schema of every error body, shared by the OpenAPI document. */
export const errorBodySchema = {
  $id: 'beckn-ride/error-body',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: Object.keys(httpStatusByCode) },
        message: { type: 'string' },
        details: {},
        request_id: { type: 'string' },
      },
    },
  },
} as const;
