/**
 * `npm run bench`: every hot path of smart-launch, with one worker and with
 * all, against panva's oidc-provider where it does the same work, all in
 * this run, each server in its own child process on 127.0.0.1, load from this
 * process (autocannon). See bench/README.md.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AssertionPool } from './lib/assertions.ts';
import { measureCeilings, type Ceilings } from './lib/ceiling.ts';
import { loadGeneratorCpuSeconds, machineBusySeconds, postgresCpuSeconds, postgresCpuSince, treeCpuSeconds, treeRssMb } from './lib/memory.ts';
import { formatMarkdown, formatTable, invalidRows, withRatios, type Row } from './lib/report.ts';
import { checkIntrospection, gather, issueOne, revocationLatency, SCENARIOS, type RunSettings, type Scenario, type TargetState } from './lib/scenarios.ts';
import { benchConfigDir, createSchema, oidcProvider, smartLaunch, type Target, type TargetPlan } from './lib/targets.ts';

const env = process.env;
const CORES = os.availableParallelism();
const WORKERS = Number(env.BENCH_WORKERS ?? CORES);
const settings: RunSettings = {
  connections: Number(env.BENCH_CONNECTIONS ?? 16),
  seconds: Number(env.BENCH_DURATION ?? 6),
  bounded: env.BENCH_DURATION === undefined,
  share: 1,
};
// Each server's runs of a scenario interleave with the others' (A B C, A B C, ...), so a passing
// disturbance of the shared machine lands in one run of each, not in all of one server's.
const ROUNDS = Number(env.BENCH_ROUNDS ?? (env.BENCH_DURATION ? 1 : 3));
const POOL_SIZE = Number(env.BENCH_ASSERTIONS ?? 24_000);
const INTROSPECT_POOL = 1000;
const ONLY = env.BENCH_ONLY?.split(',');
const NODE_FLAGS = env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve('bench/results/profiles')}`] : [];
const RESULTS = path.resolve('bench/results');

/** Instance B of the one-worker target (same schema and issuer): revocation across instances. */
let partner: TargetPlan | undefined;

async function plan(cleanups: Array<() => Promise<void> | void>): Promise<TargetPlan[]> {
  const config = benchConfigDir();
  cleanups.push(config.remove);
  const plans: TargetPlan[] = [];
  const url = env.BENCH_DATABASE_URL;
  const schema = async () => {
    const s = await createSchema(url!);
    cleanups.push(s.drop);
    return s.databaseUrl;
  };
  if (url) {
    for (const workers of [...new Set([1, WORKERS])]) {
      const databaseUrl = await schema();
      plans.push(await smartLaunch({ database: 'postgresql', databaseUrl, workers, configDir: config.dir, nodeFlags: NODE_FLAGS }));
      if (workers === 1) partner = await smartLaunch({ database: 'postgresql', databaseUrl, workers: 1, configDir: config.dir, nodeFlags: NODE_FLAGS, partnerOf: plans[0]!.target });
    }
  }
  if (!url || env.BENCH_PGLITE) plans.push(await smartLaunch({ database: 'pglite', workers: 1, configDir: config.dir, nodeFlags: NODE_FLAGS }));
  plans.push(await oidcProvider({ nodeFlags: NODE_FLAGS }));
  if (url) plans.push(await oidcProvider({ databaseUrl: await schema(), nodeFlags: NODE_FLAGS }));
  return plans;
}

/** One timed run of a scenario at one server, with the server's CPU and memory around it. */
async function timedRun(scenario: Scenario, t: Target, state: TargetState, runSettings: RunSettings, ceilings: Ceilings): Promise<Row> {
  const pid = t.process!.pid;
  const rssStartMb = treeRssMb(pid);
  const cpuStart = treeCpuSeconds(pid);
  const dbCpuStart = postgresCpuSeconds();
  // The load generator (autocannon, and the assertions signed once the pre-signed ones run out) is this process.
  const loadCpuStart = loadGeneratorCpuSeconds();
  const machineStart = machineBusySeconds();
  const wallStart = performance.now();
  // Memory is flat when the end matches the middle: the start is before the heap has warmed up.
  let rssMidMb: number | undefined;
  const mid = setTimeout(() => (rssMidMb = treeRssMb(pid)), (runSettings.seconds * 1000) / 2);
  const result = await scenario.run(t, runSettings, state).finally(() => clearTimeout(mid));
  const cpu = cpuStart === undefined ? undefined : treeCpuSeconds(pid)! - cpuStart;
  const dbCpu = dbCpuStart === undefined ? undefined : postgresCpuSince(dbCpuStart);
  const loadCpu = loadCpuStart === undefined ? undefined : loadGeneratorCpuSeconds()! - loadCpuStart;
  const machineBusy = machineStart === undefined ? undefined : machineBusySeconds()! - machineStart;
  const wallSeconds = (performance.now() - wallStart) / 1000;
  const perRequest = (seconds: number | undefined) => (seconds === undefined || !result.ok ? undefined : (seconds * 1e6) / result.ok);
  return {
    scenario: scenario.id,
    title: scenario.title,
    target: t,
    result,
    ceilingPerCore: ceilings[scenario.ceiling],
    rssStartMb,
    rssMidMb,
    rssEndMb: treeRssMb(pid),
    cpuUsPerRequest: perRequest(cpu),
    postgresCpuUsPerRequest: perRequest(dbCpu),
    loadCpuUsPerRequest: perRequest(loadCpu),
    machineBusyCores: machineBusy === undefined ? undefined : machineBusy / wallSeconds,
  };
}

/**
 * The median of a server's runs (by req/s, or by p99 at a fixed rate), with every run's figure
 * beside it; its errors are all the runs' (a run with an error makes the row invalid), its RSS
 * the first run's start and the last run's end.
 */
function medianRun(runs: Row[], by: 'rps' | 'p99'): Row {
  const sorted = [...runs].sort((a, b) => a.result[by] - b.result[by]);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const sum = (k: 'requests' | 'non2xx' | 'errors') => runs.reduce((n, r) => n + r.result[k], 0);
  return {
    ...median,
    result: { ...median.result, requests: sum('requests'), non2xx: sum('non2xx'), errors: sum('errors'), failures: runs.flatMap((r) => r.result.failures).slice(0, 3) },
    rssStartMb: runs[0]!.rssStartMb,
    rssEndMb: runs.at(-1)!.rssEndMb,
    ...(runs.length > 1 ? { runs: runs.map((r) => r.result[by]) } : {}),
  };
}

function commit(): string {
  try {
    const sha = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    return execSync('git status --porcelain -- src bench db', { encoding: 'utf8' }).trim() ? `${sha}+changes` : sha;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadBefore = os.loadavg();
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    const plans = await plan(cleanups);
    const targets = plans.map((p) => p.target);
    const starting = [...plans, ...(partner ? [partner] : [])].map((p) => p.start());
    for (const s of starting) void s.then((server) => cleanups.unshift(() => server.stop()), () => {});
    console.log(`signing ${POOL_SIZE} ES384 and ${POOL_SIZE} RS384 client assertions while ${targets.length} servers start...`);
    const es384 = await new AssertionPool('bulk-exporter', targets.map((t) => t.tokenUrl), 'bulk-exporter-es384-1').fill(POOL_SIZE);
    const rs384 = await new AssertionPool('bulk-exporter', targets.map((t) => t.tokenUrl), 'bulk-exporter-rs384-1').fill(POOL_SIZE);
    const processes = await Promise.all(starting);
    targets.forEach((t, i) => (t.process = processes[i]));
    if (partner) partner.target.process = processes.at(-1);
    if (NODE_FLAGS.length) console.log(`CPU profiles go to bench/results/profiles on exit: ${targets.map((t) => `${t.label} pid ${t.process?.pid}`).join(', ')}`);

    const ceilings = await measureCeilings(es384, rs384);
    console.log(`crypto ceiling per core (ops/s): ${Object.entries(ceilings).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);

    const states = new Map<Target, TargetState>();
    for (const t of targets) {
      const state: TargetState = { es384: es384.cursor(), rs384: rs384.cursor(), introspectable: [], refreshTokens: [] };
      await issueOne(t, state.es384);
      states.set(t, state);
    }
    console.log('checked: every server issues an ES256 JWT access token (200)');

    const rows: Row[] = [];
    for (const scenario of SCENARIOS.filter((s) => !ONLY || ONLY.includes(s.id))) {
      const servers = targets.filter((t) => scenario.peer || t.server === 'smart-launch');
      for (const t of servers) {
        const state = states.get(t)!;
        // Fresh for each scenario: the runs of one take long enough for a token to expire by the next.
        if (scenario.ceiling === 'introspection' || scenario.id === 'fhir-read') {
          // oidc-provider introspects only opaque tokens: asked without a resource indicator.
          state.introspectable = await gather(INTROSPECT_POOL, 8, () => issueOne(t, state.es384, {}));
          await checkIntrospection(t, state.introspectable[0]!);
        }
        await scenario.warmUp?.(t, settings, state);
      }
      const rounds = scenario.once ? 1 : ROUNDS;
      const runs = new Map<Target, Row[]>(servers.map((t) => [t, []]));
      for (let round = 0; round < rounds; round++) {
        for (const t of servers) {
          console.log(`${scenario.id}: ${t.label}${rounds > 1 ? ` (run ${round + 1} of ${rounds})` : ''}`);
          runs.get(t)!.push(await timedRun(scenario, t, states.get(t)!, { ...settings, share: 1 / (rounds - round) }, ceilings));
        }
      }
      for (const t of servers) rows.push(medianRun(runs.get(t)!, scenario.medianOf ?? 'rps'));
    }
    if (partner && (!ONLY || ONLY.includes('revocation'))) {
      const a = targets[0]!;
      console.log(`revocation: at ${a.label}, seen at ${partner.target.label}`);
      const result = await revocationLatency(a, partner.target, states.get(a)!.es384, Number(env.BENCH_REVOCATIONS ?? 50));
      rows.push({ scenario: 'revocation', title: 'revocation at instance A seen at B: latency ms (p50/p99), not req/s', target: a, result, ceilingPerCore: Infinity, rssStartMb: undefined, rssMidMb: undefined, rssEndMb: undefined, cpuUsPerRequest: undefined });
    }

    const ordered = withRatios(rows, CORES);
    const loadAfter = os.loadavg();
    const machine = `${CORES} cores (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GB, node ${process.version}, ${os.type()} ${os.release()}`;
    const command = `${env.BENCH_DATABASE_URL ? 'BENCH_DATABASE_URL=... ' : ''}${env.BENCH_DURATION ? `BENCH_DURATION=${env.BENCH_DURATION} ` : ''}${ONLY ? `BENCH_ONLY=${ONLY.join(',')} ` : ''}npm run bench`;
    const context = `${machine}; commit ${commit()}; \`${command}\`; ${settings.connections} connections, ${settings.seconds} s per run, ${ROUNDS > 1 ? `${ROUNDS} interleaved runs per server where repeatable (the median shown)` : 'one run per server'}; load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(1)).join(' ')} after; ${Math.round((Date.now() - started) / 1000)} s`;
    console.log(`\n${formatTable(ordered)}\n`);
    console.log('of ceiling = req/s / (crypto ceiling per core x cores used); vs peer = smart-launch / oidc-provider (one process) in the same scenario; vs 1 worker = all workers / one worker.');
    console.log(context);

    mkdirSync(RESULTS, { recursive: true });
    const json = {
      at: new Date().toISOString(),
      machine: { cores: CORES, cpu: os.cpus()[0]?.model, node: process.version, loadBefore, loadAfter },
      commit: commit(),
      command,
      settings,
      ceilingsPerCore: ceilings,
      rows: ordered.map(({ target, ...row }) => ({ ...row, server: target.label, workers: target.workers })),
    };
    writeFileSync(path.join(RESULTS, 'latest.json'), JSON.stringify(json, null, 2) + '\n');
    writeFileSync(path.join(RESULTS, 'latest.md'), `${formatMarkdown(ordered)}\n\n${context}\n`);
    console.log('written: bench/results/latest.json and latest.md');

    const invalid = invalidRows(ordered);
    for (const r of invalid) console.error(`INVALID RUN: ${r.scenario} ${r.target.label}: ${r.result.non2xx} non-2xx, ${r.result.errors} errors; e.g. ${r.result.failures.join(' | ')}`);
    if (invalid.length) process.exitCode = 1;
  } finally {
    for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch((e: unknown) => console.error('cleanup failed:', e));
  }
}

main().catch((error: unknown) => {
  console.error('bench failed:', error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
