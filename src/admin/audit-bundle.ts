import type { StoredAuditEvent } from '../store/audit.ts';

type FhirAuditEvent = fhir4.AuditEvent;
type Bundle<T extends fhir4.FhirResource> = fhir4.Bundle<T>;

/**
 * Audit rows as FHIR R4 AuditEvent resources, in a searchset Bundle (pure).
 * The event name is the AuditEvent.type code in our own code system; the client
 * and the user are agents (identified, as neither need be a FHIR resource); the
 * patient is the entity; details go along as entity detail, never a secret.
 */
export const AUDIT_EVENT_SYSTEM = 'urn:smart-launch:audit-event';

const FAILURES = /(failed|denied|replayed|reuse_detected)$/;

function action(event: string): FhirAuditEvent['action'] {
  if (/\.(created|registered)$/.test(event)) return 'C';
  if (/\.(revoked|cancelled|registration_deleted)$/.test(event)) return 'D';
  if (/\.(updated|disabled|enabled|secret_rotated|password_reset|unlocked|registration_updated)$/.test(event)) return 'U';
  if (event === 'token.introspected') return 'R';
  return 'E';
}

export function toFhirAuditEvent(e: StoredAuditEvent, issuer: string): FhirAuditEvent {
  const agent: FhirAuditEvent['agent'] = [];
  if (e.userId) agent.push({ who: { identifier: { system: `${issuer}/users`, value: e.userId } }, requestor: true });
  if (e.clientId) agent.push({ who: { identifier: { system: `${issuer}/clients`, value: e.clientId } }, requestor: !e.userId });
  const actor = typeof e.details.actor === 'string' ? e.details.actor : undefined;
  if (actor) agent.push({ who: { display: actor }, requestor: true });
  if (agent.length === 0) agent.push({ who: { display: 'smart-launch' }, requestor: false });
  const details = Object.entries(e.details);
  return {
    resourceType: 'AuditEvent',
    id: e.id,
    type: { system: AUDIT_EVENT_SYSTEM, code: e.event },
    action: action(e.event),
    recorded: e.at.toISOString(),
    outcome: FAILURES.test(e.event) ? '4' : '0',
    agent,
    source: { observer: { display: 'smart-launch', identifier: { value: issuer } } },
    ...(e.patient || details.length
      ? {
          entity: [
            {
              ...(e.patient ? { what: { reference: `Patient/${e.patient}` } } : {}),
              ...(details.length
                ? { detail: details.map(([type, value]) => ({ type, valueString: typeof value === 'string' ? value : JSON.stringify(value) })) }
                : {}),
            },
          ],
        }
      : {}),
  };
}

export function auditEventBundle(events: readonly StoredAuditEvent[], issuer: string, next: string | undefined): Bundle<FhirAuditEvent> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    timestamp: new Date().toISOString(),
    ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
    entry: events.map((e) => ({ resource: toFhirAuditEvent(e, issuer), search: { mode: 'match' } })),
  };
}
