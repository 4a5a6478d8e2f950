import { userInfo } from 'node:os';
import type { Db } from '../db/index.ts';
import { recordAudit, type AuditEvent } from '../store/audit.ts';

/** Who made an administrative change: an admin client over the API, or a person at the CLI. */
export type Actor = { kind: 'client'; clientId: string; requestId?: string | undefined } | { kind: 'cli'; user: string };

export function cliActor(): Actor {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the audit row still says it came from the CLI.
  }
  return { kind: 'cli', user };
}

/** `client:<id>` or `cli:<os user>`, as written to details.actor of the audit row. */
export function actorName(actor: Actor): string {
  return actor.kind === 'client' ? `client:${actor.clientId}` : `cli:${actor.user}`;
}

/**
 * Records an administrative change. The row's client/user/patient columns name
 * what was changed (so a query by client finds changes to it); details.actor names who.
 */
export async function auditChange(db: Db, actor: Actor, event: AuditEvent): Promise<void> {
  await recordAudit(db, {
    ...event,
    ...(actor.kind === 'client' && actor.requestId ? { requestId: actor.requestId } : {}),
    details: { actor: actorName(actor), ...event.details },
  });
}
