import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { RequestListener, Server } from 'node:http';
import { attachCaches, Caches, type ChangeFeed } from './cache/index.ts';
import { loadIssueHook } from './claims/index.ts';
import type { Config } from './config/index.ts';
import { foreignOriginWarnings } from './config/issuer-urls.ts';
import { migrateToLatest, openDatabase, type OpenDatabase } from './db/index.ts';
import { createFhirServer } from './fhir/index.ts';
import { createLogger } from './http/logging.ts';
import { createApp, createRequestListener } from './app.ts';
import type { AppDeps } from './deps.ts';
import { Metrics, startMetricsServer } from './metrics/index.ts';
import { AuditBatch } from './store/audit.ts';
import { writeConfiguredRecords } from './store/configured-records.ts';
import { sweepExpired } from './store/sweep.ts';
import { createThrottles } from './throttle/index.ts';
import { KeyRing } from './tokens/keys.ts';
import { ensureSigningKeys, startKeySchedule } from './tokens/rotation.ts';

/** A path under one of public/'s folders (the sample app): a page this service serves. */
const servedFromPublic = (pathname: string) => {
  const first = pathname.split('/')[1];
  return Boolean(first) && existsSync(path.resolve('public', first!));
};

const SWEEP_INTERVAL_MS = 15 * 60 * 1000;

export interface Service {
  deps: AppDeps;
  app: ReturnType<typeof createApp>;
  /** What the HTTP server serves: the app, with the hot routes before it. */
  handler: RequestListener;
  /** The separate metrics listener (`metrics.port`), when configured. */
  metricsServer: Server | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  database?: OpenDatabase;
  /** How many processes serve on this machine (the cluster's workers); default one. */
  processes?: number;
}

/**
 * Builds the running service from a validated config: opens the database,
 * migrates (under a lock), upserts configured clients and users, loads or
 * creates signing keys, loads the claims hook, composes the app.
 */
export async function startService(config: Config, options: StartOptions = {}): Promise<Service> {
  const logger = createLogger(config.logLevel, config.logFormat);
  for (const warning of foreignOriginWarnings(config.clients, config.issuer, servedFromPublic)) logger.warn(warning);
  const database =
    options.database ??
    (await openDatabase(config.database, {
      onConnectionError: (err) => logger.warn({ err: { message: err.message } }, 'database connection lost; reconnecting on the next request'),
    }));
  let feed: ChangeFeed | undefined;
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length) logger.info({ migrations: applied }, 'migrations applied');
    const { disabledSandboxClients } = await writeConfiguredRecords(database.db, {
      clients: config.clients,
      users: config.users,
      launcherEnabled: config.launcher.enabled,
    });
    if (disabledSandboxClients) logger.info({ clients: disabledSandboxClients }, 'launcher is off: its temporary ad-hoc clients are disabled');
    const demoUsers = config.users.filter((u) => u.password).map((u) => u.username);
    if (demoUsers.length)
      logger.warn({ users: demoUsers }, `DEMO USERS with plain passwords in smart-config/users.json (${demoUsers.join(', ')}): not for production`);
    await ensureSigningKeys(database.db);
    const keys = await KeyRing.open(database.db);
    // Clients, users and token standing cached in process, kept fresh by NOTIFY (src/cache/).
    feed = await database.changeFeed(logger);
    const caches = new Caches(feed);
    attachCaches(database.db, caches);
    database.writes.onWrite = (table) => caches.localWrite(table);
    const hook = config.hooks ? await loadIssueHook(config.hooks.modulePath) : undefined;
    const { dataSource: fhir, backend: fhirBackend } = createFhirServer({
      ...(config.fhirUpstreamUrl ? { upstreamUrl: config.fhirUpstreamUrl } : {}),
      timeoutMs: config.fhirUpstreamTimeoutMs,
      fhirBaseUrl: config.fhirBaseUrl,
      upstreamAuth: config.fhirUpstreamAuth,
    });
    const auditBatch = new AuditBatch(database.db, (err, counts) => logger.error({ err, ...counts }, 'could not write audit events (kept and retried)'));
    const throttles = createThrottles(database.db, config);
    const metrics = new Metrics({ keys, poolStats: database.poolStats });
    // With a worker per core, the other cores already run workers of their own: a check sent to the threadpool only adds the hop.
    const verifyOffThread = (options.processes ?? 1) < availableParallelism();
    const deps: AppDeps = { config, db: database.db, keys, fhir, fhirBackend, logger, hook, auditBatch, metrics, throttles, verifyOffThread };
    const sweep = () =>
      sweepExpired(database.db, config).then(
        (deleted) => logger.debug({ deleted }, 'expired rows swept'),
        (err: unknown) => logger.warn({ err }, 'sweeping expired rows failed'),
      );
    const metricsServer =
      config.metrics.port === undefined ? undefined : await startMetricsServer(metrics, config.metrics.host, config.metrics.port);
    const keySchedule = startKeySchedule(keys, database.db, config, logger);
    // Expired codes, interactions, jtis... are deleted in the background; nothing depends on the timing.
    const sweeper = setInterval(sweep, SWEEP_INTERVAL_MS);
    sweeper.unref();
    const app = createApp(deps);
    return {
      deps,
      app,
      handler: createRequestListener(deps, app),
      metricsServer,
      close: async () => {
        clearInterval(sweeper);
        keySchedule.stop();
        metricsServer?.closeAllConnections();
        await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
        await auditBatch.flush();
        await feed?.close();
        await database.close();
      },
    };
  } catch (error) {
    await feed?.close().catch(() => {});
    await database.close().catch(() => {});
    throw error;
  }
}
