import type { z } from 'zod';
import type { Db } from '../db/index.ts';
import { revokeGrantAudited } from '../oauth/revoke-grant.ts';
import { getGrant, type Grant } from '../store/grants.ts';
import { actorName, type Actor } from './actor.ts';
import { notFound } from './clients.ts';
import type { grantView } from './schemas.ts';

/** Grants for operators: what each app holds for whom, and revoking it with a reason. */
export function describeGrant(g: Grant): z.output<typeof grantView> {
  return {
    id: g.id,
    client: g.clientId,
    user: g.userId,
    fhirUser: g.fhirUser,
    scope: g.scope,
    aud: g.aud,
    patient: g.context.patient ?? null,
    encounter: g.context.encounter ?? null,
    launchType: g.launchType,
    accessType: g.accessType,
    createdAt: g.createdAt.toISOString(),
    lastUsedAt: g.lastUsedAt?.toISOString() ?? null,
    revokedAt: g.revokedAt?.toISOString() ?? null,
    revokedReason: g.revokedReason,
  };
}

export async function requireGrant(db: Db, id: string): Promise<Grant> {
  const grant = await getGrant(db, id);
  if (!grant) throw notFound('grant');
  return grant;
}

/**
 * Revokes a grant: its refresh tokens and every access token issued under it
 * stop working on every instance at once (introspection reads the grant row).
 * Revoking a revoked grant changes nothing and keeps the first reason.
 */
export async function revokeGrantAsAdmin(db: Db, actor: Actor, id: string, reason: string): Promise<Grant> {
  return db.transaction().execute(async (trx) => {
    const grant = await requireGrant(trx, id);
    if (!grant.revokedAt)
      await revokeGrantAudited(trx, grant, {
        clientId: grant.clientId,
        reason,
        event: 'grant.revoked',
        requestId: actor.kind === 'client' ? actor.requestId : undefined,
        details: { actor: actorName(actor), reason },
      });
    return (await getGrant(trx, id))!;
  });
}
