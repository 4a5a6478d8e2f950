import type { Config } from '../config/index.ts';
import type { Db } from '../db/index.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/**
 * Deletes what can no longer be used, after a grace period that keeps it
 * explainable: codes outlive the access tokens issued from them (introspection
 * are kept for replay detection), grants outlive what was issued under them, refresh tokens last until their family's expiry
 * (reuse detection needs the spent ones), launches stay readable a week after
 * expiry. Audit events are never swept. Safe to run on every instance at once.
 */
export async function sweepExpired(db: Db, config: Config, now = new Date()): Promise<Record<string, number>> {
  const before = (ms: number) => new Date(now.getTime() - ms);
  const { accessTokenLifetimeSeconds, backendAccessTokenLifetimeSeconds, idTokenLifetimeSeconds } = config.tokens;
  const accessTokenLife = Math.max(accessTokenLifetimeSeconds, backendAccessTokenLifetimeSeconds, idTokenLifetimeSeconds) * 1000;
  const deleted: Record<string, number> = {};
  const count = (result: { numDeletedRows: bigint }[]) => Number(result[0]?.numDeletedRows ?? 0);

  deleted.interactions = count(await db.deleteFrom('interactions').where('expires_at', '<', before(DAY)).execute());
  deleted.authorization_codes = count(
    await db.deleteFrom('authorization_codes').where('expires_at', '<', before(accessTokenLife + HOUR)).execute(),
  );
  deleted.refresh_tokens = count(await db.deleteFrom('refresh_tokens').where('expires_at', '<', before(DAY)).execute());
  // A grant goes once nothing issued under it can be used: no code or refresh token left,
  // and its last access token expired (client_credentials makes one per token).
  deleted.grants = count(
    await db
      .deleteFrom('grants')
      .where((eb) => eb.fn.coalesce('last_used_at', 'created_at'), '<', before(accessTokenLife + HOUR))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('authorization_codes as c').select('c.grant_id').whereRef('c.grant_id', '=', 'grants.id'))))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('refresh_tokens as rt').select('rt.grant_id').whereRef('rt.grant_id', '=', 'grants.id'))))
      .execute(),
  );
  deleted.revocations = count(await db.deleteFrom('revocations').where('expires_at', '<', now).execute());
  deleted.client_assertion_jtis = count(await db.deleteFrom('client_assertion_jtis').where('expires_at', '<', now).execute());
  deleted.launches = count(await db.deleteFrom('launches').where('expires_at', '<', before(7 * DAY)).execute());
  deleted.sessions = count(await db.deleteFrom('sessions').where('expires_at', '<', before(DAY)).execute());
  deleted.login_attempts = count(
    await db
      .deleteFrom('login_attempts')
      .where('window_started_at', '<', before(config.login.windowSeconds * 1000))
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .execute(),
  );
  return deleted;
}
