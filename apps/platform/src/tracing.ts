// The first import of main.ts: tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) must patch http and pg before
// anything else loads them.
import { startTracing } from '@consilium/telemetry';

startTracing('platform');
