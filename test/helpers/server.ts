import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import type { AppDeps } from '../../src/deps.ts';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { openDatabase, type OpenDatabase } from '../../src/db/index.ts';
import { startService } from '../../src/service.ts';
import { TEST_DATABASE_URL, type DatabaseKind } from './databases.ts';

export const DEFAULT_CONFIG_DIR = path.resolve('smart-config');

export interface TestServer {
  baseUrl: string;
  config: Config;
  deps: AppDeps;
  server: Server;
  /** The separate metrics listener's base URL, when `metrics.port` is set. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
}

/** A fresh PostgreSQL schema (dropped by the returned cleanup) so test files never collide. */
export async function freshPostgresSchema(): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  return {
    url: TEST_DATABASE_URL,
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

export interface TestServerOptions {
  configDir?: string;
  env?: Record<string, string>;
  /** Adjust the loaded config (lifetimes, hooks, rules...) before the service starts. */
  configure?: (config: Config) => void;
  /** Reuse a database (e.g. a second instance on the same schema). */
  database?:
    | { kind: 'postgres'; url: string; schema: string }
    | { kind: 'pglite-dir'; dir: string }
    /** A database the test opened and filled itself (the server closes it). */
    | { kind: 'open'; database: OpenDatabase };
  /** The issuer's host name (it always listens on 127.0.0.1): `localhost` to test the other loopback name. */
  issuerHost?: '127.0.0.1' | 'localhost';
  /** Serve HTTPS with test/fixtures/tls (and make this process's fetch trust it), for clients that refuse plain HTTP. */
  https?: boolean;
}

const TLS_FIXTURE = path.resolve('test/fixtures/tls');

/** Adds the test certificate to this process's default CAs: TLS is still verified, against it. */
export function trustTestCertificate(): string {
  const cert = readFileSync(path.join(TLS_FIXTURE, 'cert.pem'), 'utf8');
  const current = tls.getCACertificates('default');
  if (!current.includes(cert)) tls.setDefaultCACertificates([...current, cert]);
  return cert;
}

/**
 * Starts the real service on 127.0.0.1, on an ephemeral port, on a fresh
 * in-memory PGlite or a fresh PostgreSQL schema.
 */
export async function startTestServer(kind: DatabaseKind, options: TestServerOptions = {}): Promise<TestServer> {
  const server: Server = options.https
    ? createTlsServer({ cert: trustTestCertificate(), key: readFileSync(path.join(TLS_FIXTURE, 'key.pem')) })
    : createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `${options.https ? 'https' : 'http'}://${options.issuerHost ?? '127.0.0.1'}:${port}`;

  const config = loadConfig({
    SMART_CONFIG_DIR: options.configDir ?? DEFAULT_CONFIG_DIR,
    ISSUER: baseUrl,
    PORT: String(port),
    PGLITE_DIR: 'memory',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  });
  // Tests send many deliberate client-authentication failures from 127.0.0.1: the client throttle
  // (tested in test/http/client-throttle.test.ts) would answer them 429. Tests that want it configure it.
  Object.assign(config.clientAuth, { freeFailures: 100_000, lockFailures: 1_000_000, addressLockFailures: 1_000_000 });
  options.configure?.(config);

  let database: OpenDatabase;
  let dropSchema: (() => Promise<void>) | undefined;
  if (options.database?.kind === 'open') {
    database = options.database.database;
  } else if (options.database?.kind === 'postgres') {
    database = await openDatabase({ kind: 'postgres', url: options.database.url, schema: options.database.schema, poolSize: 8 });
  } else if (options.database?.kind === 'pglite-dir') {
    database = await openDatabase({ kind: 'pglite', dir: options.database.dir });
  } else if (kind === 'postgres') {
    const fresh = await freshPostgresSchema();
    dropSchema = fresh.drop;
    database = await openDatabase({ kind: 'postgres', url: fresh.url, schema: fresh.schema, poolSize: 8 });
  } else {
    database = await openDatabase({ kind: 'pglite', dir: 'memory' });
  }

  const service = await startService(config, { database });
  server.on('request', service.handler);
  const metricsAddress = service.metricsServer?.address() as AddressInfo | undefined;
  return {
    baseUrl,
    config,
    deps: service.deps,
    server,
    metricsUrl: metricsAddress ? `http://127.0.0.1:${metricsAddress.port}` : undefined,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.close();
      await dropSchema?.();
    },
  };
}

/**
 * Two instances of one service on one fresh PostgreSQL schema, as behind a load balancer:
 * the same issuer (A's) and the same signing keys (shared through the database).
 */
export async function startTwoInstances(options: Pick<TestServerOptions, 'configure'> = {}): Promise<{ a: TestServer; b: TestServer; schema: string; close(): Promise<void> }> {
  const schema = await freshPostgresSchema();
  const database = { kind: 'postgres' as const, url: schema.url, schema: schema.schema };
  const a = await startTestServer('postgres', { ...options, database });
  const b = await startTestServer('postgres', { ...options, database, env: { ISSUER: a.baseUrl } });
  return {
    a,
    b,
    schema: schema.schema,
    async close() {
      await a.close();
      await b.close();
      await schema.drop();
    },
  };
}
