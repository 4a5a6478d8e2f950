import type { AppDeps } from '../../app.ts';
import type { Client } from '../../store/clients.ts';

/**
 * Whether a grant gets a refresh token, and on what terms (SMART app-launch:
 * offline_access lasts long; online_access ends with the user's sign-in
 * session or after a short lifetime). Only for clients allowed refresh_token.
 */
export function refreshTokenTerms(deps: AppDeps, client: Client, scope: string, sessionIdHash: string | null) {
  if (!client.grantTypes.includes('refresh_token')) return undefined;
  const granted = new Set(scope.split(' '));
  const { tokens } = deps.config;
  if (granted.has('offline_access'))
    return {
      accessType: 'offline' as const,
      sessionIdHash: null,
      expiresAt: new Date(Date.now() + tokens.offlineRefreshLifetimeSeconds * 1000),
    };
  if (granted.has('online_access'))
    return {
      accessType: 'online' as const,
      sessionIdHash,
      expiresAt: new Date(Date.now() + tokens.onlineRefreshLifetimeSeconds * 1000),
    };
  return undefined;
}
