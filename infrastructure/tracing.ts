import type { IncomingHttpHeaders } from 'node:http';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/**
 * OpenTelemetry tracing, one module for every process. Off unless
 * OTEL_EXPORTER_OTLP_ENDPOINT is set: then no SDK is registered and every span below is
 * the API's no-op (a few calls per request). On: a NodeTracerProvider with W3C
 * `traceparent` propagation and AsyncLocalStorage context, exporting over OTLP/HTTP.
 */

/** The one tracer of Cells' own spans (Apollo Gateway's `gateway.*` spans come from its own). */
const tracer = trace.getTracer('cells');

export interface TracingOptions {
  /** Where OTEL_* is read (default process.env). */
  env?: Record<string, string | undefined>;
  /** Tests: export here (e.g. an InMemorySpanExporter), synchronously, whatever the environment says. */
  exporter?: SpanExporter;
}

export interface Tracing {
  /** Whether an SDK is registered (spans are recorded and exported). */
  enabled: boolean;
}

// The registered provider: the OpenTelemetry API's registration is process-wide by design.
let provider: NodeTracerProvider | null = null;

/**
 * Registers the SDK when OTEL_EXPORTER_OTLP_ENDPOINT (or an exporter) is given; the
 * process's service name is OTEL_SERVICE_NAME, else `defaultServiceName`
 * (cells-gateway, cells-global, cells-cell-<name>, cells-compute-<cell>).
 */
export function startTracing(defaultServiceName: string, options: TracingOptions = {}): Tracing {
  const env = options.env ?? process.env;
  const endpoint = otlpEndpoint(env);
  if (provider || (!endpoint && !options.exporter) || env.OTEL_SDK_DISABLED === 'true')
    return { enabled: provider !== null };
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || defaultServiceName;
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: endpoint! });
  provider = new NodeTracerProvider({
    resource: defaultResource()
      .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }))
      .merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: [options.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return { enabled: true };
}

/**
 * Flushes the spans not yet exported and unregisters the SDK; a no-op when tracing is
 * off. Never rejects: spans a collector would not take are lost, the process stops anyway.
 */
export async function stopTracing(): Promise<void> {
  const stopping = provider;
  if (!stopping) return;
  provider = null;
  try {
    await stopping.shutdown();
  } catch {
    // The exporter reports its own failures; nothing more to do while stopping.
  } finally {
    trace.disable();
    context.disable();
    propagation.disable();
  }
}

/**
 * The OTLP traces URL from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (as is) or
 * OTEL_EXPORTER_OTLP_ENDPOINT (plus /v1/traces); undefined when neither is set.
 */
export function otlpEndpoint(env: Record<string, string | undefined>): string | undefined {
  for (const [name, suffix] of [
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ''],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', '/v1/traces'],
  ] as const) {
    const value = env[name]?.trim();
    if (!value) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
    return suffix ? `${value.replace(/\/+$/, '')}${suffix}` : value;
  }
  return undefined;
}

/**
 * Runs `fn` in a span that is a child of the active one; a throw marks the span as an
 * error (the exception's name only: messages may hold hosts) and is rethrown.
 */
export function inSpan<T>(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { kind, attributes }, (span) => ended(span, fn));
}

/**
 * A process's handling of one incoming request: a SERVER span whose parent is the
 * caller's `traceparent`, so a request is one trace across processes.
 */
export function inServerSpan<T>(
  headers: IncomingHttpHeaders,
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return inRemoteChildSpan(headers, SpanKind.SERVER, name, attributes, fn);
}

/**
 * A process's handling of one queued message: a CONSUMER span whose parent is the
 * publisher's `traceparent` from the message's headers (absent or malformed: a new trace).
 */
export function inConsumerSpan<T>(
  headers: Record<string, unknown> | undefined,
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return inRemoteChildSpan(headers ?? {}, SpanKind.CONSUMER, name, attributes, fn);
}

function inRemoteChildSpan<T>(
  carrier: Record<string, unknown>,
  kind: SpanKind,
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, carrier);
  return tracer.startActiveSpan(name, { kind, attributes }, parent, (span) => ended(span, fn));
}

/** Starts a span, child of the active one, that the caller ends (work that completes by callback). */
export function startSpan(name: string, kind: SpanKind, attributes: Attributes): Span {
  return tracer.startSpan(name, { kind, attributes });
}

/** Whether a span is active here: statements outside a traced request get no span of their own. */
export function traced(): boolean {
  return trace.getActiveSpan()?.isRecording() ?? false;
}

/** Adds the active trace's `traceparent` to outgoing request or message headers (nothing when tracing is off). */
export function injectTraceContext<H extends Record<string, string | number>>(headers: H): H {
  propagation.inject(context.active(), headers);
  return headers;
}

/** Marks `span` as failed with a short, fixed description (never a URL or a driver's text). */
export function failSpan(span: Span, description: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: description });
}

async function ended<T>(span: Span, fn: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await fn(span);
  } catch (err) {
    failSpan(span, (err as { name?: string }).name ?? 'Error');
    throw err;
  } finally {
    span.end();
  }
}

export { SpanKind };
