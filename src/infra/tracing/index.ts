export { tracingRequested, type TracingEnv } from './tracing-settings.js';
export { startTracing, stopTracing, type Tracing } from './start-tracing.js';
export { inSpan, SpanKind, type Span, type SpanOptions } from './spans.js';
export { currentTraceCarrier, contextFromCarrier, requestContext, currentTraceIds, type TraceCarrier } from './trace-context.js';
