import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { parseInput } from '../http/validate.ts';
import { ASSERTION_FIELDS } from '../oauth/client-auth/api-client.ts';
import { invalidRequest } from '../oauth/errors.ts';
import type { Actor } from './actor.ts';
import { adminClientOf } from './auth.ts';
import { setNoStore } from '../http/no-store.ts';

/**
 * An admin API route as data: its inputs and outputs as zod schemas and its
 * handler. The same list mounts the express routes (validating every input)
 * and builds the OpenAPI document (openapi.ts), so neither can miss a route.
 */
const empty = z.strictObject({});
type Empty = typeof empty;

export interface RouteInput<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  actor: Actor;
  deps: AppDeps;
  req: Request;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  contentType?: string;
}

export interface AdminRoute<P extends z.ZodType = Empty, Q extends z.ZodType = Empty, B extends z.ZodType = Empty> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Below /admin, in express syntax (`/clients/:id`). */
  path: string;
  summary: string;
  tag: string;
  /** Readable without credentials (only the OpenAPI document). */
  public?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  handle(input: RouteInput<P, Q, B>): Promise<RouteResult>;
}

// The list holds routes of many input types; each is checked where it is defined.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = AdminRoute<any, any, any>;

export function route<P extends z.ZodType = Empty, Q extends z.ZodType = Empty, B extends z.ZodType = Empty>(
  spec: AdminRoute<P, Q, B>,
): AnyRoute {
  return spec as AnyRoute;
}

/** Adds each route to the router: validate params, query and body, run, answer (never cached: secrets). */
export function mountRoutes(router: Router, routes: readonly AnyRoute[], deps: AppDeps): void {
  for (const spec of routes) {
    router[spec.method](spec.path, async (req: Request, res: Response) => {
      if (spec.public) res.setHeader('Cache-Control', 'public, max-age=300');
      else setNoStore(res);
      const query = Object.fromEntries(
        Object.entries(req.query as Record<string, unknown>).filter(([k]) => !(ASSERTION_FIELDS as readonly string[]).includes(k)),
      );
      if (spec.body && hasBody(req) && !req.is('application/json'))
        throw invalidRequest('send a JSON body (Content-Type: application/json)');
      const input: RouteInput<z.ZodType, z.ZodType, z.ZodType> = {
        params: parseInput(spec.params ?? empty, req.params),
        query: parseInput(spec.query ?? empty, query),
        body: spec.body ? parseInput(spec.body, req.body ?? {}) : {},
        actor: spec.public ? { kind: 'client', clientId: 'anonymous' } : { kind: 'client', clientId: adminClientOf(res).id, requestId: req.id as string },
        deps,
        req,
      };
      const result = await spec.handle(input);
      if (result.contentType) res.type(result.contentType);
      if (result.body === undefined) res.status(result.status).end();
      else if (result.contentType && result.contentType !== 'application/json') res.status(result.status).send(JSON.stringify(result.body));
      else res.status(result.status).json(result.body);
    });
  }
}

const hasBody = (req: Request) => Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
