import type { Migration } from 'kysely/migration';
import * as initial from './0001_initial.ts';
import * as grants from './0002_grants.ts';
import * as admin from './0003_admin.ts';
import * as keyRotation from './0004_key_rotation.ts';
import * as rateLimits from './0005_rate_limits.ts';
import * as sandboxClients from './0007_sandbox_clients.ts';
import * as changeNotifications from './0009_change_notifications.ts';
import * as rateLimitNotifications from './0010_rate_limit_notifications.ts';

/** Every migration, in order. Add new files here; never edit one that has shipped. */
export const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_grants': grants,
  '0003_admin': admin,
  '0004_key_rotation': keyRotation,
  '0005_rate_limits': rateLimits,
  '0007_sandbox_clients': sandboxClients,
  '0009_change_notifications': changeNotifications,
  '0010_rate_limit_notifications': rateLimitNotifications,
};
