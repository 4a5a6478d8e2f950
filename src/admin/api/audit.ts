import { queryAuditEvents, type StoredAuditEvent } from '../../store/audit.ts';
import { auditEventBundle } from '../audit-bundle.ts';
import { route } from '../routes.ts';
import { auditEventView, auditExportQuery, auditQuery, fhirBundle } from '../schemas.ts';
import { pagedListRoute, pageRequest } from '../paged-list.ts';

const tag = 'audit';

function describeEvent(e: StoredAuditEvent) {
  return {
    id: e.id,
    at: e.at.toISOString(),
    event: e.event,
    client: e.clientId,
    user: e.userId,
    patient: e.patient,
    requestId: e.requestId,
    details: e.details,
  };
}

export const auditRoutes = [
  pagedListRoute({
    path: '/audit-events', tag, summary: 'Query audit events by patient, user, client, event and time (newest first, paged)',
    query: auditQuery,
    item: auditEventView, description: 'A page of audit events',
    list: queryAuditEvents, describe: describeEvent,
  }),
  route({
    method: 'get', path: '/audit-events/bundle', tag,
    summary: 'The same query as a FHIR R4 Bundle of AuditEvent resources (link "next" for the following Bundle)',
    query: auditExportQuery,
    responses: { 200: { description: 'A searchset Bundle', schema: fhirBundle, contentType: 'application/fhir+json' } },
    handle: async ({ deps, query, req }) => {
      const { items, next } = await queryAuditEvents(deps.db, pageRequest(query), query);
      let nextUrl: string | undefined;
      if (next) {
        const url = new URL(`${deps.config.issuer}/admin/audit-events/bundle`);
        for (const [k, v] of Object.entries(req.query as Record<string, unknown>))
          if (typeof v === 'string' && !k.startsWith('client_assertion')) url.searchParams.set(k, v);
        url.searchParams.set('cursor', next);
        nextUrl = url.toString();
      }
      return { status: 200, contentType: 'application/fhir+json', body: auditEventBundle(items, deps.config.issuer, nextUrl) };
    },
  }),
];
