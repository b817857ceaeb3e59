import { context as otelContext, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('beckn-ride');

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
 * error with the exception recorded, and is rethrown. Without a tracing SDK
 * the span is the API's no-op one.
 */
export function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T> | T): Promise<T> {
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
