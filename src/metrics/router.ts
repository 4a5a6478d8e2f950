import { createServer, type Server } from 'node:http';
import { Router, type Request, type RequestHandler } from 'express';
import type { AppDeps } from '../app.ts';
import { requireConfidentialClient } from '../oauth/client-auth/index.ts';
import { OAuthError } from '../oauth/errors.ts';
import type { Metrics } from './registry.ts';

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

/**
 * Operators' routes need a confidential client with the `admin` role (HTTP
 * Basic with its secret, or private_key_jwt). Kept to this one rule so the
 * admin API's own check can take its place.
 */
export function requireAdminClient(deps: AppDeps): RequestHandler {
  return async (req, _res, next) => {
    const client = await requireConfidentialClient(req, deps, {});
    if (!client.roles.includes('admin')) throw new OAuthError('access_denied', 'this client may not read metrics', { status: 403 });
    next();
  };
}

/** GET /metrics on the main port: Prometheus text format, for an admin client. */
export function metricsRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/metrics', requireAdminClient(deps), async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
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
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
