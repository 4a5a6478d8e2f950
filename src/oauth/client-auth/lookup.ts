import type { Db } from '../../db/index.ts';
import { findClient, type Client } from '../../store/clients.ts';

/** Where client authentication reads the rows of the clients a request names. */
export interface ClientLookup {
  find(id: string): Promise<Client | undefined>;
  /**
   * The rows were read ahead, in the caller's own query. The client throttle
   * is then asked after a failure only (asking first is a round trip): see
   * throttleClientAuth.
   */
  readonly preread: boolean;
}

/** The default: the clients store, through its in-process cache. */
export const storeLookup = (db: Db): ClientLookup => ({ find: (id) => findClient(db, id), preread: false });

/**
 * Rows the caller read for `ids` (introspection reads them with the token's
 * standing, in its one query): a named id without a row is no client. Any
 * other id goes to the store.
 */
export function prereadLookup(db: Db, ids: readonly string[], rows: readonly Client[]): ClientLookup {
  return {
    find: async (id) => (ids.includes(id) ? rows.find((c) => c.id === id) : findClient(db, id)),
    preread: true,
  };
}
