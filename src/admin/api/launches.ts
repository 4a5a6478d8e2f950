import { listLaunches } from '../../store/launches.ts';
import { cancelLaunch, describeLaunch, requireLaunch } from '../launches.ts';
import { pagedListRoute } from '../paged-list.ts';
import { route } from '../routes.ts';
import { launchIdParams, launchListQuery, launchView } from '../schemas.ts';

const tag = 'launches';

export const launchRoutes = [
  pagedListRoute({
    path: '/launches', tag, summary: 'List registered EHR launches (newest first, paged)',
    query: launchListQuery,
    item: launchView, description: 'A page of launches',
    list: (db, page, query) =>
      listLaunches(db, page, { forClient: query.client, registeredBy: query.registeredBy, patient: query.patient, status: query.status }),
    describe: describeLaunch,
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
