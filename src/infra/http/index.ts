export { AppError, type ErrorCode } from './app-error.js';
export { httpStatusByCode, errorBodySchema } from './error-catalogue.js';
export { mountRoutes, type RouteSpec, type RouteInput, type HttpMethod, type ResponseSpec } from './route-table.js';
export { requestContext, reenterRequestContext, logFieldsOf } from './request-context.js';
export { requireJsonBody, jsonBody } from './body-parsing.js';
export { errorHandler } from './error-handler.js';
export { unknownRoute } from './unknown-route.js';
export { httpMetrics } from './http-metrics.js';
export { listen, drain } from './serve.js';
