import { listClients } from '../../store/clients.ts';
import { createClient, describeClient, requireClient, rotateClientSecret, setClientDisabled, updateClient } from '../clients.ts';
import { pagedListRoute } from '../paged-list.ts';
import { route } from '../routes.ts';
import { clientCreate, clientListQuery, clientPatch, clientView, clientWithSecret, idParams, secretRotation } from '../schemas.ts';

const tag = 'clients';

export const clientRoutes = [
  pagedListRoute({
    path: '/clients', tag, summary: 'List clients (by id, paged)',
    query: clientListQuery,
    item: clientView, description: 'A page of clients',
    list: listClients, describe: describeClient,
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
