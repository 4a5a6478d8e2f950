/**
 * `npm run soak [-- --seconds 300 --concurrency 8]`: mixed load against the real
 * service (a child process on 127.0.0.1; PGlite in memory, or PostgreSQL when
 * DATABASE_URL is set) for a bounded time. Every grant (EHR launch, standalone
 * sign-in, refresh, client_credentials), introspection, revocation and FHIR
 * reads. Prints per minute (or per 10 s for short runs) the operations, errors,
 * p99 latency and the server's RSS; exits 1 on any error or if the process died.
 */
import { parseArgs } from 'node:util';
import { AssertionPool } from '../bench/lib/assertions.ts';
import { basic, form, FORM, JWT_BEARER } from '../bench/lib/fixtures.ts';
import { appAuthorization, authorizeToCode, codeRedemption, launchToCode } from '../bench/lib/flow.ts';
import { treeRssMb } from '../bench/lib/memory.ts';
import { freePort, startServer } from '../bench/lib/processes.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '300' }, concurrency: { type: 'string', default: '8' } } });
const seconds = Math.min(Math.max(Number(values.seconds), 5), 3600);
const concurrency = Math.min(Math.max(Number(values.concurrency), 1), 32);
const periodMs = seconds >= 120 ? 60_000 : 10_000;

// The soak and the bench share bench/lib/ (demo clients, the browser flow, the child process); neither imports test/.
const port = await freePort();
const service = await startServer({
  name: 'smart-launch',
  script: 'src/server.ts',
  port,
  env: { ISSUER: `http://127.0.0.1:${port}`, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : { PGLITE_DIR: 'memory', DATABASE_URL: '' }) },
  readyPath: '/.well-known/smart-configuration',
  readyText: 'Discovery:',
});
const fhirBase = `${service.baseUrl}/fhir`;
const growth = { authorization: appAuthorization() };
const introspector = { authorization: basic('fhir-server'), 'content-type': FORM };
const bulkExporter = new AssertionPool('bulk-exporter', [`${service.baseUrl}/token`], 'bulk-exporter-rs384-1');

type Tokens = { access_token: string; refresh_token?: string };
const accessTokens: string[] = [];
// Tokens from standalone sign-ins: no refresh token, never revoked, so FHIR reads with them must succeed.
const readTokens: string[] = [];
const refreshTokens: string[] = [];
const keep = <T>(list: T[], item: T) => {
  list.push(item);
  if (list.length > 50) list.shift();
};

async function expectStatus(res: Response, status: number, what: string): Promise<unknown> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : undefined;
}

const postToken = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${service.baseUrl}/token`, { method: 'POST', headers: { 'content-type': FORM, ...headers }, body });

async function codeExchange(code: Awaited<ReturnType<typeof launchToCode>>): Promise<Tokens> {
  return (await expectStatus(await postToken(codeRedemption(code), growth), 200, 'code exchange')) as Tokens;
}

/** The operations, with weights: heavy browser flows are rarer than token and FHIR calls. */
const SKIP = 'skip' as const;
const operations: Array<[string, number, () => Promise<void | typeof SKIP>]> = [
  ['ehr launch', 2, async () => {
    // growth-chart, Amy Shaw (p001), Dr Carter vouched for by the EHR (bench/lib/flow.ts APP: offline access).
    const tokens = await codeExchange(await launchToCode(service.baseUrl, fhirBase));
    keep(accessTokens, tokens.access_token);
    if (tokens.refresh_token) keep(refreshTokens, tokens.refresh_token);
  }],
  ['standalone sign-in', 1, async () => {
    const tokens = await codeExchange(await authorizeToCode(service.baseUrl, fhirBase, { scope: 'openid fhirUser user/Patient.rs' }));
    keep(accessTokens, tokens.access_token);
    keep(readTokens, tokens.access_token);
  }],
  ['refresh', 3, async () => {
    const token = refreshTokens.shift();
    if (!token) return SKIP;
    const tokens = (await expectStatus(await postToken(form({ grant_type: 'refresh_token', refresh_token: token }), growth), 200, 'refresh')) as Tokens;
    keep(accessTokens, tokens.access_token);
    if (tokens.refresh_token) keep(refreshTokens, tokens.refresh_token);
  }],
  ['client_credentials', 3, async () => {
    const body = form({ grant_type: 'client_credentials', scope: 'system/Patient.rs', client_assertion_type: JWT_BEARER, client_assertion: bulkExporter.signOne() });
    await expectStatus(await postToken(body), 200, 'client_credentials');
  }],
  ['introspect', 6, async () => {
    const token = accessTokens[Math.floor(Math.random() * accessTokens.length)];
    if (!token) return SKIP;
    await expectStatus(await fetch(`${service.baseUrl}/introspect`, { method: 'POST', headers: introspector, body: new URLSearchParams({ token }) }), 200, 'introspect');
  }],
  ['fhir read', 6, async () => {
    const token = readTokens.at(-1);
    if (!token) return SKIP;
    const path = Math.random() < 0.5 ? '/Patient/p001' : '/Patient?_count=5';
    const res = await fetch(`${fhirBase}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
    if (res.status !== 200) throw new Error(`fhir read ${path}: ${res.status} ${(await res.text()).slice(0, 200)}`);
    await res.arrayBuffer();
  }],
  ['revoke', 1, async () => {
    const token = refreshTokens.pop();
    if (!token) return SKIP;
    await expectStatus(await fetch(`${service.baseUrl}/revoke`, { method: 'POST', headers: { ...growth, 'content-type': FORM }, body: new URLSearchParams({ token }) }), 200, 'revoke');
  }],
];
const totalWeight = operations.reduce((n, [, w]) => n + w, 0);
function pick() {
  let r = Math.random() * totalWeight;
  for (const op of operations) if ((r -= op[1]) < 0) return op;
  return operations[0]!;
}

interface Period { ops: number; errors: string[]; latencies: number[]; byName: Record<string, number> }
const emptyPeriod = (): Period => ({ ops: 0, errors: [], latencies: [], byName: {} });
let period = emptyPeriod();
const byName: Record<string, number> = {};
const totals = { ops: 0, errors: 0, maxRss: 0, firstRss: 0, p99s: [] as number[] };
const deadline = Date.now() + seconds * 1000;

async function worker() {
  while (Date.now() < deadline && service.alive()) {
    const [name, , run] = pick();
    const started = performance.now();
    try {
      if ((await run()) === SKIP) continue;
    } catch (error) {
      period.errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    period.latencies.push(performance.now() - started);
    period.ops++;
    period.byName[name] = (period.byName[name] ?? 0) + 1;
  }
}

async function report(label: string) {
  const p = period;
  period = emptyPeriod();
  for (const [k, v] of Object.entries(p.byName)) byName[k] = (byName[k] ?? 0) + v;
  const sorted = p.latencies.sort((x, y) => x - y);
  const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
  const rss = (treeRssMb(service.pid) ?? 0) * 2 ** 20;
  totals.ops += p.ops;
  totals.errors += p.errors.length;
  totals.maxRss = Math.max(totals.maxRss, rss);
  totals.firstRss ||= rss;
  totals.p99s.push(p99);
  console.log(`${label}: ${p.ops} operations, ${p.errors.length} errors, p99 ${p99.toFixed(0)} ms, RSS ${(rss / 2 ** 20).toFixed(0)} MiB`);
  for (const e of p.errors.slice(0, 5)) console.log(`  error: ${e}`);
}

console.log(`soak: ${seconds} s, ${concurrency} workers, against ${service.baseUrl} (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`);
let n = 0;
const ticker = setInterval(() => void report(`${(++n * periodMs) / 1000} s`), periodMs);
await Promise.all(Array.from({ length: concurrency }, worker));
clearInterval(ticker);
await report('end');
const alive = service.alive();
console.log(
  `soak total: ${totals.ops} operations, ${totals.errors} errors, worst p99 ${Math.max(...totals.p99s).toFixed(0)} ms, ` +
    `RSS ${(totals.firstRss / 2 ** 20).toFixed(0)} -> max ${(totals.maxRss / 2 ** 20).toFixed(0)} MiB, process ${alive ? 'up' : 'DIED'}`,
);
console.log(`soak operations: ${JSON.stringify(byName)}`);
await service.stop();
process.exit(totals.errors === 0 && alive && totals.ops > 0 ? 0 : 1);
