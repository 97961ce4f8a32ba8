import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/** The W3C trace context a job carries in its data, so that its handler continues the trace that enqueued it. */
export interface JobTraceContext {
  traceparent?: string;
  tracestate?: string;
}

/**
 * The current trace context as job data fields (`traceparent`, and `tracestate` when there is one), or `{}` when no
 * trace is being recorded (tracing off: the API's propagator is a no-op and this costs nothing).
 */
export function jobTraceContext(): JobTraceContext {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  if (!carrier.traceparent) return {};
  return carrier.tracestate ? { traceparent: carrier.traceparent, tracestate: carrier.tracestate } : { traceparent: carrier.traceparent };
}

/**
 * Runs one job attempt in a consumer span, child of the trace in `carried` (the request or job that enqueued it),
 * so the database queries and outgoing calls of the handler belong to that same trace. Ids and the queue name only:
 * never the payload.
 */
export function inJobSpan<T>(
  job: { queue: string; id: string; attempt: number; tenantId?: unknown },
  carried: JobTraceContext | undefined,
  work: () => Promise<T>,
): Promise<T> {
  const parent = carried?.traceparent ? propagation.extract(ROOT_CONTEXT, carried) : ROOT_CONTEXT;
  const attributes = {
    'messaging.system': 'pg-boss',
    'messaging.operation.type': 'process',
    'messaging.destination.name': job.queue,
    'messaging.message.id': job.id,
    'consilium.job.attempt': job.attempt,
    ...(typeof job.tenantId === 'string' ? { 'consilium.tenant_id': job.tenantId } : {}),
  };
  return trace
    .getTracer('consilium-jobs')
    .startActiveSpan(`process ${job.queue}`, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
      try {
        return await work();
      } catch (error) {
        // The error's class only: job error messages are written for operators, but a driver's may quote data.
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
        throw error;
      } finally {
        span.end();
      }
    });
}
