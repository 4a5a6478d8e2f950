import type { AppDeps } from '../../deps.ts';
import type { Db } from '../../db/index.ts';
import { recordAssertionJti, recordBackendGrant } from '../../store/assertion-jtis.ts';
import type { AuditEvent } from '../../store/audit.ts';
import type { Client } from '../../store/clients.ts';
import type { Grant } from '../../store/grants.ts';
import { invalidClient } from '../errors.ts';
import type { VerifiedAssertion } from './private-key-jwt.ts';

/**
 * The replay policy for client assertions, in one place. RFC 7523 §3 and SMART
 * client-confidential-asymmetric: a jti is accepted once per client within the
 * assertion's lifetime, so it is recorded before the request is answered:
 * - a client_credentials token request records it in the grant's one write,
 *   with the new grant and its audit row (`spendWithBackendGrant`), so a
 *   backend service's token costs one statement;
 * - every other use records it as soon as the signature is verified
 *   (`spendAtAuthentication`), outside any transaction: authentication runs
 *   before the endpoint's own work.
 */
export function recordedWithGrant(endpoint: string, body: Record<string, unknown>): boolean {
  return endpoint === '/token' && body.grant_type === 'client_credentials';
}

export const assertionReplayed = () => invalidClient('the client assertion was already used (jti replayed)');

/** Records the jti now; a replayed one is invalid_client. */
export async function spendAtAuthentication(db: Db, client: Client, assertion: VerifiedAssertion): Promise<void> {
  if (!(await recordAssertionJti(db, client.id, assertion.jti, assertion.expiresAt))) throw assertionReplayed();
}

/** The jti, the client_credentials grant and its audit row in ONE statement; nothing is written for a replayed jti. */
export async function spendWithBackendGrant(
  deps: Pick<AppDeps, 'db'>,
  client: Client,
  assertion: VerifiedAssertion,
  grant: Grant,
  audit: AuditEvent,
): Promise<void> {
  const use = { clientId: client.id, jti: assertion.jti, expiresAt: assertion.expiresAt };
  if (!(await recordBackendGrant(deps.db, use, grant, audit))) throw assertionReplayed();
}
