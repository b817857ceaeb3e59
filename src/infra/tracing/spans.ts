import { context as otelContext, INVALID_SPAN_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { tracingStarted } from './start-tracing.js';

const tracer = trace.getTracer('beckn-ride');
/** What `fn` is handed when tracing is off: records nothing. */
const untraced = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

export { SpanKind };
export type { Span };

export interface SpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /** The parent: the active context unless given (an outbox row's stored context, say). */
  parent?: Context;
}

/**
 * Runs `fn` in a span that ends when it settles; a throw marks the span as an
 * error with the exception recorded, and is rethrown. With tracing off, `fn`
 * just runs: no span, no context switch.
 */
export function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T> | T): Promise<T> {
  if (!tracingStarted()) {
    try {
      return Promise.resolve(fn(untraced));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  const parent = options.parent ?? otelContext.active();
  return tracer.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {} }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
