import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, startServer, type ServerProcess } from './processes.ts';

/** One server under test. */
export interface Target {
  server: 'smart-launch' | 'oidc-provider';
  database: 'postgresql' | 'pglite' | 'memory';
  /** Processes serving (cluster workers); the crypto ceiling scales with min(workers, cores). */
  workers: number;
  label: string;
  baseUrl: string;
  fhirBaseUrl: string;
  tokenUrl: string;
  introspectUrl: string;
  /** Extra token-request fields (oidc-provider: the resource indicator that makes its token a JWT). */
  tokenExtra: Record<string, string>;
  process?: ServerProcess;
}

export interface TargetPlan {
  target: Target;
  start(): Promise<ServerProcess>;
}

/** A fresh schema on BENCH_DATABASE_URL, dropped by the cleanup; the URL selects it with search_path. */
export async function createSchema(url: string): Promise<{ databaseUrl: string; drop(): Promise<void> }> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const databaseUrl = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const drop = async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`drop schema if exists ${schema} cascade`);
    await c.end();
  };
  return { databaseUrl, drop };
}

/**
 * smart-config/ with codes living 10 minutes instead of 60 s: the code
 * redemption scenario pre-issues its codes through the real pages first, then
 * redeems them in one timed run. Nothing else differs.
 */
export function benchConfigDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-launch-bench-'));
  cpSync('smart-config', dir, { recursive: true });
  const server = JSON.parse(readFileSync(path.join(dir, 'server.json'), 'utf8')) as {
    tokens: Record<string, number>;
    launcher?: { enabled: boolean };
  };
  server.tokens.codeLifetimeSeconds = 600;
  // The service as deployed: no sandbox launcher. Its simulated errors (sandbox only) look up every
  // code and refresh token's launch before /token, which then goes through express, not the hot route.
  server.launcher = { ...server.launcher, enabled: false };
  writeFileSync(path.join(dir, 'server.json'), JSON.stringify(server, null, 2));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function smartLaunch(options: {
  database: Target['database'];
  databaseUrl?: string;
  workers: number;
  configDir: string;
  nodeFlags: string[];
  /** A second instance of that target's service (same database and issuer), for revocation across instances. */
  partnerOf?: Target;
}): Promise<TargetPlan> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const issuer = options.partnerOf?.baseUrl ?? baseUrl;
  const target: Target = {
    server: 'smart-launch',
    database: options.database,
    workers: options.workers,
    label: `smart-launch/${options.database}${options.database === 'postgresql' ? ` x${options.workers}` : ''}${options.partnerOf ? ' (instance B)' : ''}`,
    baseUrl,
    fhirBaseUrl: `${issuer}/fhir`,
    tokenUrl: `${baseUrl}/token`,
    introspectUrl: `${baseUrl}/introspect`,
    tokenExtra: {},
  };
  const env = {
    ISSUER: issuer,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    SMART_CONFIG_DIR: options.configDir,
    WEB_CONCURRENCY: String(options.workers),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : { PGLITE_DIR: 'memory', DATABASE_URL: '' }),
  };
  return {
    target,
    start: () => startServer({ name: target.label, script: 'src/server.ts', port, env, readyPath: '/.well-known/smart-configuration', readyText: 'Discovery:', nodeFlags: options.nodeFlags }),
  };
}

export async function oidcProvider(options: { databaseUrl?: string; nodeFlags: string[] }): Promise<TargetPlan> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const database = options.databaseUrl ? 'postgresql' : 'memory';
  const target: Target = {
    server: 'oidc-provider',
    database,
    workers: 1,
    label: `oidc-provider/${database}`,
    baseUrl,
    fhirBaseUrl: `${baseUrl}/fhir`,
    tokenUrl: `${baseUrl}/token`,
    introspectUrl: `${baseUrl}/token/introspection`,
    tokenExtra: { resource: `${baseUrl}/fhir` },
  };
  const env: Record<string, string> = options.databaseUrl ? { BASELINE_DATABASE_URL: options.databaseUrl } : {};
  return {
    target,
    start: () => startServer({ name: target.label, script: 'bench/baseline/oidc-provider-server.ts', port, env, readyPath: '/.well-known/openid-configuration', nodeFlags: options.nodeFlags }),
  };
}
