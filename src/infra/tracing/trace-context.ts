import { context as otelContext, defaultTextMapGetter, defaultTextMapSetter, isSpanContextValid, ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** W3C trace context headers (`traceparent`, and `tracestate` when set), as stored with queued work and sent over HTTP. */
export type TraceCarrier = Record<string, string>;

const propagator = new W3CTraceContextPropagator();

/** The active trace context as W3C headers; null when nothing is traced (no SDK, or no span active). */
export function currentTraceCarrier(): TraceCarrier | null {
  const carrier: TraceCarrier = {};
  propagator.inject(otelContext.active(), carrier, defaultTextMapSetter);
  return carrier.traceparent ? carrier : null;
}

/** The context a stored or received carrier names, to parent the spans that continue its work; the root context when it names none. */
export function contextFromCarrier(carrier: Record<string, string | string[] | undefined> | null | undefined, base: Context = ROOT_CONTEXT): Context {
  return carrier ? propagator.extract(base, carrier, defaultTextMapGetter) : base;
}

/**
 * The context an inbound request continues: the active one when the HTTP
 * instrumentation already opened a server span for it, else the request's
 * own `traceparent`.
 */
export function requestContext(headers: Record<string, string | string[] | undefined>): Context {
  const active = otelContext.active();
  return trace.getSpan(active) ? active : contextFromCarrier(headers, active);
}

/** Trace and span id of the active span, for log lines and message records; empty when nothing is traced. */
export function currentTraceIds(): { trace_id: string; span_id: string } | null {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : null;
}
