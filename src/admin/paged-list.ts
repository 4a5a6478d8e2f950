import type { z } from 'zod';
import type { Db } from '../db/index.ts';
import { invalidRequest } from '../oauth/errors.ts';
import { decodeCursor, type Page, type PageRequest } from '../store/paging.ts';
import { route, type AnyRoute } from './routes.ts';
import { page } from './schemas.ts';

/** Decodes a list cursor; a cursor that is not ours is invalid_request. */
export function cursorKey(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const key = decodeCursor(cursor);
  if (key === undefined) throw invalidRequest('cursor: not a cursor from this API');
  return key;
}

/** The admin API's request for one page: `limit` and the `cursor` of the previous page. */
export function pageRequest(query: { limit: number; cursor?: string | undefined }): PageRequest {
  return { limit: query.limit, after: cursorKey(query.cursor) };
}

/**
 * A GET list route: `limit` and `cursor` (and the list's filters) in the query,
 * `{ items, next_cursor }` out, each item described by the view schema's function.
 *
 * @example
 *   pagedListRoute({ path: '/users', tag, summary: 'List users', query: userListQuery,
 *     item: userView, description: 'A page of users', list: listUsers, describe: describeUser })
 */
export function pagedListRoute<Q extends z.ZodType<{ limit: number; cursor?: string | undefined }>, T, V extends z.ZodType>(spec: {
  path: string;
  tag: string;
  summary: string;
  query: Q;
  item: V;
  description: string;
  list: (db: Db, page: PageRequest, query: z.output<Q>) => Promise<Page<T>>;
  describe: (item: T) => z.output<V>;
}): AnyRoute {
  return route({
    method: 'get', path: spec.path, tag: spec.tag, summary: spec.summary,
    query: spec.query,
    responses: { 200: { description: spec.description, schema: page(spec.item) } },
    handle: async ({ deps, query }) => {
      const { items, next } = await spec.list(deps.db, pageRequest(query), query);
      return { status: 200, body: { items: items.map(spec.describe), next_cursor: next } };
    },
  });
}
