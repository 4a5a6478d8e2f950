import type { Scope } from './types.ts';

/**
 * What refresh tokens of a grant with these scopes last for (SMART
 * scopes-and-launch-context, "offline_access" / "online_access"): offline
 * when offline_access is granted, else online, else none.
 */
export function refreshAccess(scopes: readonly Scope[]): 'offline' | 'online' | undefined {
  const names = new Set(scopes.filter((s) => s.kind === 'access').map((s) => s.name));
  return names.has('offline_access') ? 'offline' : names.has('online_access') ? 'online' : undefined;
}
