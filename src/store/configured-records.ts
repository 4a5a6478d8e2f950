import type { ClientConfig, UserConfig } from '../config/index.ts';
import { inTransactionHolding } from '../db/advisory-lock.ts';
import type { Db } from '../db/index.ts';
import { upsertConfiguredClients } from './clients.ts';
import { disableSandboxClients, keepConfiguredClients } from './sandbox-clients.ts';
import { upsertConfiguredUsers } from './users.ts';

// Any constant (signing-keys.ts has the one before it): orders the instances writing smart-config/ at start.
const CONFIGURED_RECORDS_LOCK = 72_150_022;

/**
 * Writes smart-config/'s clients and users into the database, at every start,
 * in one transaction, one instance at a time. `npm start` forks a worker per
 * core and each one does this: an upsert by id does not cover the username's
 * unique index, so two instances inserting the same new user at once failed
 * one start with a duplicate key. Returns how many ad-hoc sandbox clients a
 * start with the launcher off disabled.
 */
export async function writeConfiguredRecords(
  db: Db,
  config: { clients: readonly ClientConfig[]; users: readonly UserConfig[]; launcherEnabled: boolean },
): Promise<{ disabledSandboxClients: number }> {
  return inTransactionHolding(db, CONFIGURED_RECORDS_LOCK, async (trx) => {
    await upsertConfiguredClients(trx, config.clients);
    await upsertConfiguredUsers(trx, config.users);
    await keepConfiguredClients(trx, config.clients.map((c) => c.id));
    // Ad-hoc apps of the launcher exist only in sandbox mode.
    const disabledSandboxClients = config.launcherEnabled ? 0 : await disableSandboxClients(trx);
    return { disabledSandboxClients };
  });
}
