import { listGrants } from '../../store/grants.ts';
import { describeGrant, requireGrant, revokeGrantAsAdmin } from '../grants.ts';
import { pagedListRoute } from '../paged-list.ts';
import { route } from '../routes.ts';
import { grantIdParams, grantListQuery, grantRevocation, grantView } from '../schemas.ts';

const tag = 'grants';

export const grantRoutes = [
  pagedListRoute({
    path: '/grants', tag, summary: 'List grants by user, client or patient (newest first, paged; live ones unless revoked=true)',
    query: grantListQuery,
    item: grantView, description: 'A page of grants',
    list: (db, page, query) =>
      listGrants(db, page, {
        ...(query.user ? { userId: query.user } : {}),
        ...(query.client ? { clientId: query.client } : {}),
        ...(query.patient ? { patient: query.patient } : {}),
        includeRevoked: query.revoked === true,
      }),
    describe: describeGrant,
  }),
  route({
    method: 'get', path: '/grants/:id', tag, summary: 'Read a grant',
    params: grantIdParams,
    responses: { 200: { description: 'The grant', schema: grantView } },
    handle: async ({ deps, params }) => ({ status: 200, body: describeGrant(await requireGrant(deps.db, params.id)) }),
  }),
  route({
    method: 'post', path: '/grants/:id/revoke', tag,
    summary: 'Revoke a grant with a reason: its refresh and access tokens stop working at once, everywhere',
    params: grantIdParams,
    body: grantRevocation,
    responses: { 200: { description: 'The revoked grant', schema: grantView } },
    handle: async ({ deps, actor, params, body }) => ({ status: 200, body: describeGrant(await revokeGrantAsAdmin(deps.db, actor, params.id, body.reason)) }),
  }),
];
