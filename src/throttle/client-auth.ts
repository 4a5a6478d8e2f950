import type { Request } from 'express';
import type { AppDeps } from '../deps.ts';
import { ClientAuthThrottled, OAuthError } from '../oauth/errors.ts';
import { recordAudit } from '../store/audit.ts';
import { decodeJsonSegment } from '../tokens/access-token.ts';

/**
 * Runs one client authentication under the client throttle: refused with 429 +
 * Retry-After while this client id is delayed at this address (or locked, or
 * the address blocked); an invalid_client failure is counted. The client id is
 * the one the request claims (body client_id, Basic user id, or the
 * assertion's unverified `sub`), so failures for unknown ids count too.
 *
 * `ask` is when the throttle is asked: `before` the credentials are checked,
 * or, where asking first would cost the round trip a caller saved by reading
 * the client rows ahead (introspection's one query), `after-failure` only: a
 * delayed client's failures are then still refused with 429 and counted.
 */
export async function throttleClientAuth<T>(
  req: Pick<Request, 'ip' | 'id'>,
  deps: AppDeps,
  claimedId: string | undefined,
  ask: 'before' | 'after-failure',
  work: () => Promise<T>,
): Promise<T> {
  if (!claimedId) return work();
  const throttle = deps.throttles.clients;
  const refuseWhileDelayed = async () => {
    const refusal = await throttle.check(claimedId, req.ip);
    if (refusal) throw new ClientAuthThrottled(refusal.retryAfterSeconds);
  };
  if (ask === 'before') await refuseWhileDelayed();
  try {
    return await work();
  } catch (error) {
    if (error instanceof OAuthError && error.code === 'invalid_client') {
      if (ask === 'after-failure') await refuseWhileDelayed();
      const { subjectLocked } = await throttle.recordFailure(claimedId, req.ip);
      if (subjectLocked)
        await recordAudit(deps.db, {
          event: 'client.locked',
          clientId: null,
          requestId: req.id as string | undefined,
          details: { claimedClientId: claimedId.slice(0, 128), lockSeconds: deps.config.clientAuth.lockSeconds },
        });
    }
    throw error;
  }
}

/** The client id a request claims, before anything is verified. */
export function claimedClientId(basicIds: string[] | undefined, body: Record<string, unknown>): string | undefined {
  if (typeof body.client_id === 'string') return body.client_id;
  if (basicIds?.[0]) return basicIds[0];
  return assertionSubject(body.client_assertion);
}

/** The `sub` a client assertion claims, unverified (the same JWS reader as private-key-jwt.ts). */
export function assertionSubject(assertion: unknown): string | undefined {
  if (typeof assertion !== 'string') return undefined;
  const parts = assertion.split('.');
  const sub = parts.length === 3 ? decodeJsonSegment(parts[1]!)?.sub : undefined;
  return typeof sub === 'string' ? sub : undefined;
}
