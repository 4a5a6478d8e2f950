import { queryAuditEvents, type StoredAuditEvent } from '../../store/audit.ts';
import { auditEventBundle } from '../audit-bundle.ts';
import { route } from '../routes.ts';
import { auditEventView, auditExportQuery, auditQuery, fhirBundle, page } from '../schemas.ts';
import { cursorKey } from './clients.ts';

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
  route({
    method: 'get', path: '/audit-events', tag, summary: 'Query audit events by patient, user, client, event and time (newest first, paged)',
    query: auditQuery,
    responses: { 200: { description: 'A page of audit events', schema: page(auditEventView) } },
    handle: async ({ deps, query }) => {
      const { items, next } = await queryAuditEvents(deps.db, { limit: query.limit, after: cursorKey(query.cursor) }, query);
      return { status: 200, body: { items: items.map(describeEvent), next_cursor: next } };
    },
  }),
  route({
    method: 'get', path: '/audit-events/bundle', tag,
    summary: 'The same query as a FHIR R4 Bundle of AuditEvent resources (link "next" for the following Bundle)',
    query: auditExportQuery,
    responses: { 200: { description: 'A searchset Bundle', schema: fhirBundle, contentType: 'application/fhir+json' } },
    handle: async ({ deps, query, req }) => {
      const { items, next } = await queryAuditEvents(deps.db, { limit: query.limit, after: cursorKey(query.cursor) }, query);
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
