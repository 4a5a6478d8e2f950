import type { RequestHandler, Response } from 'express';
import type { AppDeps } from '../deps.ts';
import { requireClientWithRole } from '../oauth/client-auth/api-client.ts';
import type { Client } from '../store/clients.ts';

/**
 * Lets only clients with the `admin` role through (the service's own client
 * authentication: Basic with the client's secret, or private_key_jwt), and
 * leaves the client in res.locals.adminClient. Use it on any route for
 * operators (the admin API, /metrics).
 *
 * @example
 *   router.get('/metrics', requireAdminClient(deps), sendMetrics);
 */
export function requireAdminClient(deps: AppDeps): RequestHandler {
  return async (req, res, next) => {
    res.locals.adminClient = await requireClientWithRole(req, deps, 'admin', 'this client has no admin role');
    next();
  };
}

/** The client requireAdminClient let through. */
export function adminClientOf(res: Response): Client {
  return res.locals.adminClient as Client;
}
