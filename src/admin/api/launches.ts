import { listLaunches } from '../../store/launches.ts';
import { cancelLaunch, describeLaunch, requireLaunch } from '../launches.ts';
import { route } from '../routes.ts';
import { launchIdParams, launchListQuery, launchView, page } from '../schemas.ts';
import { cursorKey } from './clients.ts';

const tag = 'launches';

export const launchRoutes = [
  route({
    method: 'get', path: '/launches', tag, summary: 'List registered EHR launches (newest first, paged)',
    query: launchListQuery,
    responses: { 200: { description: 'A page of launches', schema: page(launchView) } },
    handle: async ({ deps, query }) => {
      const filter = { forClient: query.client, registeredBy: query.registeredBy, patient: query.patient, status: query.status };
      const { items, next } = await listLaunches(deps.db, { limit: query.limit, after: cursorKey(query.cursor) }, filter);
      return { status: 200, body: { items: items.map(describeLaunch), next_cursor: next } };
    },
  }),
  route({
    method: 'get', path: '/launches/:id', tag, summary: 'Read a launch',
    params: launchIdParams,
    responses: { 200: { description: 'The launch', schema: launchView } },
    handle: async ({ deps, params }) => ({ status: 200, body: describeLaunch(await requireLaunch(deps.db, params.id)) }),
  }),
  route({
    method: 'post', path: '/launches/:id/cancel', tag, summary: 'Cancel a launch: an app presenting it afterwards is refused',
    params: launchIdParams,
    responses: { 200: { description: 'The cancelled launch', schema: launchView } },
    handle: async ({ deps, actor, params }) => ({ status: 200, body: describeLaunch(await cancelLaunch(deps.db, actor, params.id)) }),
  }),
];
