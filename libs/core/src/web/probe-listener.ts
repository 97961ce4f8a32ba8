import { createServer, Server } from 'node:http';
import { ConfigError } from '../config/config';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { MetricsToken } from '../metrics/metrics-token';
import { answerHealth, Readiness } from './health';

export interface ProbeListenerOptions {
  port: number;
  host: string;
  /** The variable that sets the port, named when it is already taken. */
  portVariable: string;
  readiness: () => Promise<Readiness>;
  metrics: MetricsRegistry;
  /** METRICS_TOKEN: /metrics answers only to it here (there is no operator session on this listener). */
  metricsToken?: string;
}

/**
 * A small HTTP listener for a process that has no web app (the worker), so an orchestrator can probe it and
 * Prometheus can scrape it: `/health/live` (200 while the process answers), `/health/ready` (the process's readiness)
 * and `/metrics` (bearer token only). Anything else is 404. It reads no body and serves nothing of a tenant's.
 */
export async function listenForProbes(options: ProbeListenerOptions): Promise<Server> {
  const token = new MetricsToken(options.metricsToken);
  const server = createServer((req, res) => {
    if (answerHealth(req, res, options.readiness)) return;
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      if (!token.presentedIn(req.headers.authorization)) {
        res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="metrics"' });
        res.end('metrics: send Authorization: Bearer <METRICS_TOKEN>\n');
        return;
      }
      options.metrics.render().then(
        ({ contentType, body }) => {
          res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
          res.end(body);
        },
        () => {
          res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
          res.end('metrics: not available right now\n');
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
  });
  // A probe or scrape that stalls must not hold the process open on shutdown.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const { port, portVariable } = options;
      reject(
        new ConfigError([
          error.code === 'EADDRINUSE'
            ? `${portVariable}: port ${port} is already in use; set ${portVariable} to a free port`
            : `${portVariable}: cannot listen on ${options.host}:${port} (${error.code ?? error.message}); set HOST or ${portVariable}`,
        ]),
      );
    });
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}
