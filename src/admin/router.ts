import express, { Router } from 'express';
import type { AppDeps } from '../deps.ts';
import { auditRoutes } from './api/audit.ts';
import { clientRoutes } from './api/clients.ts';
import { grantRoutes } from './api/grants.ts';
import { launchRoutes } from './api/launches.ts';
import { userRoutes } from './api/users.ts';
import { requireAdminClient } from './auth.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { mountRoutes, route, type AnyRoute, type RouteResult } from './routes.ts';
import { z } from 'zod';

/** Every admin route, in the order of the document. */
export function adminRoutes(deps: Pick<AppDeps, 'config'>): AnyRoute[] {
  const routes: AnyRoute[] = [...clientRoutes, ...userRoutes, ...launchRoutes, ...grantRoutes, ...auditRoutes];
  let document: Record<string, unknown> | undefined;
  const openapi: AnyRoute = route({
    method: 'get', path: '/openapi.json', tag: 'meta', public: true, summary: 'This document (no credentials needed)',
    responses: { 200: { description: 'OpenAPI 3.1', schema: z.record(z.string(), z.unknown()) } },
    handle: async (): Promise<RouteResult> => ({ status: 200, body: (document ??= buildOpenApiDocument([openapi, ...routes], deps.config.issuer)) }),
  });
  return [openapi, ...routes];
}

/**
 * The admin API under /admin: the OpenAPI document for anyone, everything else
 * for clients with the admin role.
 */
export function adminRouter(deps: AppDeps): Router {
  const router = Router();
  const routes = adminRoutes(deps);
  router.use(express.json({ limit: '64kb', strict: true }));
  mountRoutes(router, routes.filter((r) => r.public), deps);
  router.use(requireAdminClient(deps));
  mountRoutes(router, routes.filter((r) => !r.public), deps);
  return router;
}
