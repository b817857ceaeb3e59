/** The standard OpenTelemetry variables beckn-ride reads to decide whether to trace. */
export interface TracingEnv {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
  OTEL_SDK_DISABLED?: string | undefined;
}

/**
 * Tracing runs only when an OTLP endpoint is named and the SDK is not
 * disabled: without one, no SDK, exporter or module hook is loaded and every
 * span call goes to the API's no-op tracer.
 */
export function tracingRequested(env: TracingEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}
