import { createServer, type Server } from 'node:http';
import { Router, type Request, type RequestHandler } from 'express';
import type { AppDeps } from '../deps.ts';
import { requireAdminClient } from '../admin/index.ts';
import type { Metrics } from './registry.ts';
import { noStore, setNoStore } from '../http/no-store.ts';

/**
 * Times every request and files it under its route pattern (`req.route`, set
 * by express once a route matched), so raw paths (launch ids, patient ids)
 * never become labels; what no route served (static files, 404s) is `other`.
 */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.once('finish', () => metrics.observeRequest(req.method, routeOf(req), res.statusCode, (performance.now() - started) / 1000));
    next();
  };
}

function routeOf(req: Request): string {
  const path: unknown = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : 'other';
}

/** GET /metrics on the main port: Prometheus text format, for an admin client. */
export function metricsRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/metrics', noStore, requireAdminClient(deps), async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}

/**
 * `metrics.port`: the same text on a port of its own, without credentials,
 * for a scraper on an internal network (bind it to `metrics.host`, default
 * 127.0.0.1). Only GET /metrics answers there.
 */
export async function startMetricsServer(metrics: Metrics, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        setNoStore(res);
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
      },
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
