import { register } from 'node:module';
import { tracingRequested, type TracingEnv } from './tracing-settings.js';

export interface Tracing {
  /** Exports the spans still buffered and stops the SDK. */
  shutdown(): Promise<void>;
}

let running: Tracing | null = null;

/** What the instrumentations below patch when it is imported as ESM (their CommonJS requires are hooked without this list). */
const patchedModules = ['http', 'https', 'express', 'pg', 'ioredis', 'kafkajs'];

/**
 * Starts the OpenTelemetry SDK when the `OTEL_*` variables ask for it: the
 * OTLP/HTTP exporter (JSON; endpoint, headers, batch delays and sampler from
 * the standard variables), W3C trace context, and the http, express, pg,
 * ioredis and kafkajs instrumentations. Call it before any module those
 * patch is imported: the ESM hook registered here only sees later imports.
 */
export async function startTracing(env: TracingEnv, serviceName = 'beckn-ride'): Promise<Tracing | null> {
  if (running || !tracingRequested(env)) return running;
  // Only the modules the instrumentations patch go through the hook; every other import loads untouched.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: patchedModules } });
  const [sdk, base, exporter, resources, semconv, instrumentation, http, express, pg, ioredis, kafkajs] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
    import('@opentelemetry/instrumentation'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-express'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-ioredis'),
    import('@opentelemetry/instrumentation-kafkajs'),
  ]);
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the env detector) win over our default name.
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ [semconv.ATTR_SERVICE_NAME]: serviceName }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new sdk.NodeTracerProvider({ resource, spanProcessors: [new base.BatchSpanProcessor(new exporter.OTLPTraceExporter())] });
  provider.register();
  instrumentation.registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new http.HttpInstrumentation(),
      new express.ExpressInstrumentation(),
      // Only queries made for a traced operation: the workers' polls would otherwise start a trace every few milliseconds.
      new pg.PgInstrumentation({ requireParentSpan: true }),
      new ioredis.IORedisInstrumentation({ requireParentSpan: true }),
      new kafkajs.KafkaJsInstrumentation(),
    ],
  });
  running = { shutdown: () => provider.shutdown() };
  return running;
}

/** True once `startTracing` has started the SDK in this process. */
export function tracingStarted(): boolean {
  return running !== null;
}

/** Flushes and stops the SDK if it runs, waiting at most `timeoutMs`; resolves either way. */
export async function stopTracing(timeoutMs: number): Promise<void> {
  const tracing = running;
  if (!tracing) return;
  running = null;
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  await Promise.race([tracing.shutdown().catch(() => undefined), bound]);
  clearTimeout(timer);
}
