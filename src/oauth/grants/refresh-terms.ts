import type { AppDeps } from '../../deps.ts';
import type { Client } from '../../store/clients.ts';
import type { Grant } from '../../store/grants.ts';

/**
 * When a new refresh token of this grant expires, or undefined when it gets
 * none (SMART app-launch: offline_access lasts long; online_access ends with
 * the user's sign-in session or after a short lifetime). Only for clients
 * allowed refresh_token.
 */
export function refreshExpiry(deps: Pick<AppDeps, 'config'>, client: Client, grant: Grant): Date | undefined {
  if (!client.grantTypes.includes('refresh_token') || !grant.accessType) return undefined;
  const { tokens } = deps.config;
  const seconds = grant.accessType === 'offline' ? tokens.offlineRefreshLifetimeSeconds : tokens.onlineRefreshLifetimeSeconds;
  return new Date(Date.now() + seconds * 1000);
}
