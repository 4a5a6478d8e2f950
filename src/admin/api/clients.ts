import { decodeCursor } from '../../store/paging.ts';
import { listClients } from '../../store/clients.ts';
import { createClient, describeClient, requireClient, rotateClientSecret, setClientDisabled, updateClient } from '../clients.ts';
import { route } from '../routes.ts';
import { clientCreate, clientListQuery, clientPatch, clientView, clientWithSecret, idParams, page, secretRotation } from '../schemas.ts';
import { invalidRequest } from '../../oauth/errors.ts';

export const tag = 'clients';

/** Decodes a list cursor; a cursor that is not ours is invalid_request. */
export function cursorKey(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const key = decodeCursor(cursor);
  if (key === undefined) throw invalidRequest('cursor: not a cursor from this API');
  return key;
}

export const clientRoutes = [
  route({
    method: 'get', path: '/clients', tag, summary: 'List clients (by id, paged)',
    query: clientListQuery,
    responses: { 200: { description: 'A page of clients', schema: page(clientView) } },
    handle: async ({ deps, query }) => {
      const { items, next } = await listClients(deps.db, { limit: query.limit, after: cursorKey(query.cursor) }, query);
      return { status: 200, body: { items: items.map(describeClient), next_cursor: next } };
    },
  }),
  route({
    method: 'post', path: '/clients', tag, summary: 'Create a client (a confidential-symmetric one gets a generated secret, shown once)',
    body: clientCreate,
    responses: { 201: { description: 'Created', schema: clientWithSecret }, 409: { description: 'The id is taken' } },
    handle: async ({ deps, actor, body }) => {
      const { client, secret } = await createClient(deps.db, actor, body);
      return { status: 201, body: { client: describeClient(client), ...(secret ? { secret } : {}) } };
    },
  }),
  route({
    method: 'get', path: '/clients/:id', tag, summary: 'Read a client',
    params: idParams,
    responses: { 200: { description: 'The client', schema: clientView } },
    handle: async ({ deps, params }) => ({ status: 200, body: describeClient(await requireClient(deps.db, params.id)) }),
  }),
  route({
    method: 'patch', path: '/clients/:id', tag, summary: 'Change a client (fields as in clients.json; the result must be a valid client)',
    params: idParams,
    body: clientPatch,
    responses: { 200: { description: 'The changed client', schema: clientView } },
    handle: async ({ deps, actor, params, body }) => ({ status: 200, body: describeClient(await updateClient(deps.db, actor, params.id, body)) }),
  }),
  route({
    method: 'post', path: '/clients/:id/disable', tag, summary: 'Disable a client: its tokens stop introspecting active, it cannot authenticate',
    params: idParams,
    responses: { 200: { description: 'The disabled client', schema: clientView } },
    handle: async ({ deps, actor, params }) => ({ status: 200, body: describeClient(await setClientDisabled(deps.db, actor, params.id, true)) }),
  }),
  route({
    method: 'post', path: '/clients/:id/enable', tag, summary: 'Enable a disabled client',
    params: idParams,
    responses: { 200: { description: 'The enabled client', schema: clientView } },
    handle: async ({ deps, actor, params }) => ({ status: 200, body: describeClient(await setClientDisabled(deps.db, actor, params.id, false)) }),
  }),
  route({
    method: 'post', path: '/clients/:id/rotate-secret', tag,
    summary: 'Give a confidential-symmetric client a new secret (shown once); the old one works for overlapSeconds more',
    params: idParams,
    body: secretRotation,
    responses: { 200: { description: 'The new secret', schema: clientWithSecret } },
    handle: async ({ deps, actor, params, body }) => {
      const { client, secret } = await rotateClientSecret(deps.db, actor, params.id, body.overlapSeconds);
      return { status: 200, body: { client: describeClient(client), secret } };
    },
  }),
];
