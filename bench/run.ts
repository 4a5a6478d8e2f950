/**
 * `npm run bench`: smart-launch's hot paths against panva's oidc-provider,
 * both measured in this run, each server in its own child process on
 * 127.0.0.1, load from this process (autocannon). See bench/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { JWT_BEARER } from '../test/helpers/assertions.ts';
import { SECRETS, basic } from '../test/helpers/oauth.ts';
import { AssertionPool, type AssertionCursor } from './lib/assertions.ts';
import { runLoad, type LoadResult } from './lib/load.ts';
import { freePort, startServer, type ServerProcess } from './lib/processes.ts';
import { formatTable, invalidRows, withRatios, type Row } from './lib/report.ts';

const env = process.env;
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 16);
const TOKEN_SECONDS = Number(env.BENCH_TOKEN_SECONDS ?? 8);
const INTROSPECT_SECONDS = Number(env.BENCH_INTROSPECT_SECONDS ?? 5);
const POOL_SIZE = Number(env.BENCH_ASSERTIONS ?? 12_000);
const WARMUP_TOKENS = 300;
const INTROSPECT_POOL = 1000;
const CPU_PROF_DIR = env.BENCH_CPU_PROF ? path.resolve('bench/results/profiles') : undefined;
const RESULTS = path.resolve('bench/results/latest.json');
/** `token` or `introspect` runs only that scenario (e.g. to profile it). */
const ONLY = env.BENCH_ONLY;

const CLIENT = 'bulk-exporter';
const SCOPE = 'system/Patient.rs';
const FORM = 'application/x-www-form-urlencoded';
const INTROSPECTOR = basic('fhir-server', SECRETS['fhir-server']);

interface Target {
  server: 'smart-launch' | 'oidc-provider';
  database: string;
  port: number;
  process?: ServerProcess;
  tokenUrl: string;
  introspectUrl: string;
  /** Extra token-request fields (oidc-provider: the resource indicator that makes its token a JWT). */
  tokenExtra: Record<string, string>;
  /** Fields that get a token this server can introspect (oidc-provider: opaque, without resource). */
  introspectableExtra: Record<string, string>;
  cursor?: AssertionCursor;
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

function tokenBody(target: Target, assertion: string, extra = target.tokenExtra): string {
  return form({ grant_type: 'client_credentials', scope: SCOPE, client_assertion_type: JWT_BEARER, client_assertion: assertion, ...extra });
}

async function postForm(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': FORM, ...headers }, body });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { raw: text.slice(0, 200) };
  }
  return { status: res.status, json };
}

/** One token request, checked: 200 and, when asked, an ES256 JWT access token. */
async function issueOne(target: Target, extra: Record<string, string>, expectJwt: boolean): Promise<string> {
  const { status, json } = await postForm(target.tokenUrl, tokenBody(target, target.cursor!.take(), extra));
  const token = json.access_token;
  if (status !== 200 || typeof token !== 'string') throw new Error(`${target.server}: token request answered ${status} ${JSON.stringify(json)}`);
  if (expectJwt) {
    const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8') || 'null'));
    if (header?.alg !== 'ES256' || typeof payload?.exp !== 'number') throw new Error(`${target.server}: access token is not an ES256 JWT`);
  }
  return token;
}

/** `count` tokens this server can introspect, 8 requests at a time. */
async function issueMany(target: Target, count: number): Promise<string[]> {
  const tokens: string[] = [];
  const worker = async () => {
    while (tokens.length < count) tokens.push(await issueOne(target, target.introspectableExtra, false));
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return tokens.slice(0, count);
}

async function checkIntrospection(target: Target, token: string): Promise<void> {
  const { status, json } = await postForm(target.introspectUrl, form({ token }), { authorization: INTROSPECTOR });
  if (status !== 200 || json.active !== true) throw new Error(`${target.server}: introspection answered ${status} ${JSON.stringify(json)}`);
}

async function tokenRun(target: Target): Promise<LoadResult> {
  const cursor = target.cursor!;
  const headers = { 'content-type': FORM };
  const body = () => tokenBody(target, cursor.take());
  await runLoad({ url: target.tokenUrl, headers, body, connections: CONNECTIONS, durationSeconds: 5, maxRequests: WARMUP_TOKENS });
  // Keep enough for the introspection tokens; each connection builds one body it may never send.
  const reserve = INTROSPECT_POOL + 1 + 4 * CONNECTIONS;
  return runLoad({ url: target.tokenUrl, headers, body, connections: CONNECTIONS, durationSeconds: TOKEN_SECONDS, maxRequests: cursor.remaining - reserve });
}

async function introspectionRun(target: Target, tokens: string[]): Promise<LoadResult> {
  const headers = { 'content-type': FORM, authorization: INTROSPECTOR };
  const bodies = tokens.map((token) => form({ token }));
  const body = (n: number) => bodies[n % bodies.length]!;
  await runLoad({ url: target.introspectUrl, headers, body, connections: CONNECTIONS, durationSeconds: 1 });
  return runLoad({ url: target.introspectUrl, headers, body, connections: CONNECTIONS, durationSeconds: INTROSPECT_SECONDS });
}

async function createSchema(url: string): Promise<{ databaseUrl: string; drop(): Promise<void> }> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const databaseUrl = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    databaseUrl,
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

function smartTarget(database: string, port: number): Target {
  const base = `http://127.0.0.1:${port}`;
  return { server: 'smart-launch', database, port, tokenUrl: `${base}/token`, introspectUrl: `${base}/introspect`, tokenExtra: {}, introspectableExtra: {} };
}

function baselineTarget(port: number, database = 'in-memory adapter'): Target {
  const base = `http://127.0.0.1:${port}`;
  return {
    server: 'oidc-provider',
    database,
    port,
    tokenUrl: `${base}/token`,
    introspectUrl: `${base}/token/introspection`,
    tokenExtra: { resource: `${base}/fhir` },
    introspectableExtra: {},
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadBefore = os.loadavg();
  const cleanups: Array<() => Promise<void>> = [];
  const targets: Target[] = [smartTarget('pglite (memory)', await freePort())];
  const smartEnv = (target: Target, database: Record<string, string>) => ({
    ISSUER: `http://127.0.0.1:${target.port}`,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    SMART_CONFIG_DIR: 'smart-config',
    ...database,
  });
  const nodeFlags = CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [];
  const starting: Array<Promise<ServerProcess>> = [];
  try {
    starting.push(
      startServer({ name: 'smart-launch/pglite', script: 'src/server.ts', port: targets[0]!.port, env: smartEnv(targets[0]!, { PGLITE_DIR: 'memory', DATABASE_URL: '' }), readyPath: '/.well-known/smart-configuration', nodeFlags }),
    );
    if (env.BENCH_DATABASE_URL) {
      const schema = await createSchema(env.BENCH_DATABASE_URL);
      cleanups.push(schema.drop);
      const target = smartTarget('postgresql', await freePort());
      targets.push(target);
      starting.push(startServer({ name: 'smart-launch/postgres', script: 'src/server.ts', port: target.port, env: smartEnv(target, { DATABASE_URL: schema.databaseUrl }), readyPath: '/.well-known/smart-configuration', nodeFlags }));
    }
    const baseline = baselineTarget(await freePort());
    targets.push(baseline);
    starting.push(startServer({ name: 'oidc-provider', script: 'bench/baseline/oidc-provider-server.ts', port: baseline.port, env: {}, readyPath: '/.well-known/openid-configuration', nodeFlags }));
    if (env.BENCH_DATABASE_URL) {
      // The same baseline persisting to PostgreSQL (its own schema): like for like with smart-launch on PostgreSQL.
      const schema = await createSchema(env.BENCH_DATABASE_URL);
      cleanups.push(schema.drop);
      const target = baselineTarget(await freePort(), 'postgresql (pg adapter)');
      targets.push(target);
      starting.push(startServer({ name: 'oidc-provider/postgres', script: 'bench/baseline/oidc-provider-server.ts', port: target.port, env: { BASELINE_DATABASE_URL: schema.databaseUrl }, readyPath: '/.well-known/openid-configuration', nodeFlags }));
    }
    for (const p of starting) void p.then((s) => cleanups.unshift(() => s.stop()), () => {});

    console.log(`signing ${POOL_SIZE} ES384 client assertions while the servers start...`);
    const pool = await AssertionPool.build(CLIENT, targets.map((t) => t.tokenUrl), POOL_SIZE);
    const processes = await Promise.all(starting);
    targets.forEach((t, i) => {
      t.process = processes[i];
      t.cursor = pool.cursor();
    });
    if (CPU_PROF_DIR) console.log(`CPU profiles go to ${CPU_PROF_DIR} on exit: ${targets.map((t) => `${t.server}/${t.database} pid ${t.process?.pid}`).join(', ')}`);

    const single = new Map<Target, string>();
    for (const t of targets) {
      await issueOne(t, t.tokenExtra, true);
      const token = await issueOne(t, t.introspectableExtra, t.server === 'smart-launch');
      await checkIntrospection(t, token);
      single.set(t, token);
    }
    console.log('checked: each server issues an ES256 JWT access token (200) and introspects its own token as active');

    const rows: Row[] = [];
    for (const t of ONLY === 'introspect' ? [] : targets) {
      pool.assertFresh();
      console.log(`A token issuance: ${t.server} / ${t.database}`);
      rows.push({ scenario: 'A token (client_credentials, private_key_jwt ES384)', server: t.server, database: t.database, result: await tokenRun(t) });
    }
    for (const t of ONLY === 'token' ? [] : targets) {
      const tokens = await issueMany(t, INTROSPECT_POOL);
      await checkIntrospection(t, tokens[0]!);
      console.log(`B introspection: ${t.server} / ${t.database}`);
      rows.push({ scenario: 'B1 introspect (one token)', server: t.server, database: t.database, result: await introspectionRun(t, [single.get(t)!]) });
      rows.push({ scenario: `B2 introspect (${INTROSPECT_POOL} tokens)`, server: t.server, database: t.database, result: await introspectionRun(t, tokens) });
    }

    const ordered = withRatios(rows).sort((a, b) => a.scenario.localeCompare(b.scenario));
    const loadAfter = os.loadavg();
    console.log(`\n${formatTable(ordered)}\n`);
    console.log(`vs baseline = smart-launch req/s / oidc-provider (in memory) req/s in the same scenario; vs same storage = smart-launch on PostgreSQL / oidc-provider with its PostgreSQL adapter.`);
    console.log(`${os.cpus().length} CPUs, node ${process.version}, ${CONNECTIONS} connections; load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(1)).join(' ')} after; ${Math.round((Date.now() - started) / 1000)} s`);

    mkdirSync(path.dirname(RESULTS), { recursive: true });
    const json = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, loadBefore, loadAfter },
      settings: { connections: CONNECTIONS, tokenSeconds: TOKEN_SECONDS, introspectSeconds: INTROSPECT_SECONDS, assertions: POOL_SIZE },
      rows: ordered.map(({ scenario, server, database, result, ratio, sameStorageRatio }) => ({ scenario, server, database, ...result, ratio, sameStorageRatio })),
    };
    writeFileSync(RESULTS, JSON.stringify(json, null, 2) + '\n');
    console.log(`written: ${path.relative(process.cwd(), RESULTS)}`);

    const invalid = invalidRows(ordered);
    if (invalid.length) {
      for (const r of invalid) console.error(`INVALID RUN: ${r.scenario} ${r.server}/${r.database}: ${r.result.non2xx} non-2xx, ${r.result.errors} errors; e.g. ${r.result.failures.join(' | ')}`);
      process.exitCode = 1;
    }
  } finally {
    await Promise.allSettled(starting);
    for (const cleanup of cleanups) await cleanup().catch((e: unknown) => console.error('cleanup failed:', e));
  }
}

main().catch((error: unknown) => {
  console.error('bench failed:', error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
