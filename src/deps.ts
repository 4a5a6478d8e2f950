import type { Logger } from 'pino';
import type { IssueHook } from './claims/index.ts';
import type { Config } from './config/index.ts';
import type { Db } from './db/index.ts';
import type { FhirBackend, FhirDataSource } from './fhir/index.ts';
import type { Metrics } from './metrics/index.ts';
import type { AuditBatch } from './store/audit.ts';
import type { Throttles } from './throttle/index.ts';
import type { KeyRing } from './tokens/keys.ts';

/** Everything a request handler may use; built once at start (see service.ts). */
export interface AppDeps {
  config: Config;
  db: Db;
  /** The signing keys; `keys.reloadKeys()` re-reads them after a rotation. */
  keys: KeyRing;
  fhir: FhirDataSource;
  /** What the FHIR API forwards to: the embedded engine or the upstream server. */
  fhirBackend: FhirBackend;
  logger: Logger;
  hook: IssueHook | undefined;
  /** Batched audit events for hot read paths (introspection). */
  auditBatch: AuditBatch;
  metrics: Metrics;
  /** Failed sign-ins and client authentications (src/throttle/). */
  throttles: Throttles;
  /**
   * Slow signature checks (P-384) may go to libuv's threadpool: only while this process's
   * sibling workers leave a core free (src/oauth/client-auth/assertion-signature.ts).
   */
  verifyOffThread: boolean;
}
