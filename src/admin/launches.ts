import type { z } from 'zod';
import type { Db } from '../db/index.ts';
import { cancelLaunchByHash, findLaunchByHash, launchStatus, type Launch } from '../store/launches.ts';
import { auditChange, type Actor } from './actor.ts';
import { notFound } from './clients.ts';
import type { launchView } from './schemas.ts';

/** Registered launches for operators: listed by their stored hash (the launch value itself is never kept). */
export function describeLaunch(l: Launch): z.output<typeof launchView> {
  return {
    id: l.idHash,
    status: launchStatus(l),
    registeredBy: l.registeredBy,
    client: l.forClient,
    patient: l.patient,
    encounter: l.encounter,
    fhirUser: l.fhirUser,
    createdAt: l.createdAt.toISOString(),
    expiresAt: l.expiresAt.toISOString(),
  };
}

export async function requireLaunch(db: Db, idHash: string): Promise<Launch> {
  const launch = await findLaunchByHash(db, idHash);
  if (!launch) throw notFound('launch');
  return launch;
}

/** Cancels a launch that has not been cancelled yet: an app presenting it afterwards is refused. */
export async function cancelLaunch(db: Db, actor: Actor, idHash: string): Promise<Launch> {
  return db.transaction().execute(async (trx) => {
    const cancelled = await cancelLaunchByHash(trx, idHash);
    if (!cancelled) {
      await requireLaunch(trx, idHash);
      return (await findLaunchByHash(trx, idHash))!;
    }
    await auditChange(trx, actor, {
      event: 'launch.cancelled',
      clientId: cancelled.forClient,
      patient: cancelled.patient,
      details: { registered_by: cancelled.registeredBy },
    });
    return cancelled;
  });
}
