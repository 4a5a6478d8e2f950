import type { Config } from '../config/index.ts';
import type { Db } from '../db/index.ts';
import { FailureThrottle } from './failures.ts';

export { FailureThrottle, type FailureLimits, type Refusal } from './failures.ts';

/** The service's throttles, on the shared database so every instance counts the same failures. */
export interface Throttles {
  /** Sign-ins: per (username, address); usernames that signed in from an address keep signing in there. */
  login: FailureThrottle;
  /** Client authentication at /token, /introspect, /revoke, /launches: per (client id, address). */
  clients: FailureThrottle;
}

export function createThrottles(db: Db, config: Pick<Config, 'login' | 'clientAuth'>): Throttles {
  return {
    login: new FailureThrottle(db, 'login', config.login, true),
    // Not remembered: that would be a write on every authenticated request (the hot paths).
    clients: new FailureThrottle(db, 'client', config.clientAuth, false),
  };
}
