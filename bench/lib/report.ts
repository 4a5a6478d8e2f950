import type { LoadResult } from './load.ts';
import type { Target } from './targets.ts';

export interface Row {
  scenario: string;
  title: string;
  target: Target;
  result: LoadResult;
  /** Crypto ceiling of one core for this scenario (ops/s), measured in this run. */
  ceilingPerCore: number;
  rssStartMb: number | undefined;
  /** Halfway through the timed run (a scenario that ends early may have none). */
  rssMidMb: number | undefined;
  rssEndMb: number | undefined;
  /** Server CPU (user + system, all its processes) per 2xx answer: a figure other load on the machine disturbs less than req/s. */
  cpuUsPerRequest: number | undefined;
  /** PostgreSQL's CPU (all its processes on this machine) per 2xx answer over the same run: its share of the same cores. */
  postgresCpuUsPerRequest?: number | undefined;
  /** The load generator's CPU (this process: autocannon) per 2xx answer, on the same cores. */
  loadCpuUsPerRequest?: number | undefined;
  /** Cores busy over the run, whatever used them (/proc/stat): near the machine's count, no process can go faster without another going slower. */
  machineBusyCores?: number | undefined;
  /** Each interleaved run's req/s (p99 ms at a fixed rate) when there were several: the row's figures are the median run's. */
  runs?: number[];
  /** req/s / (ceiling per core x min(workers, cores)). */
  ofCeiling?: number;
  /** smart-launch req/s / oidc-provider in memory, same scenario. */
  vsPeerMemory?: number;
  /** smart-launch req/s / oidc-provider with its PostgreSQL adapter, same scenario. */
  vsPeerPostgres?: number;
  /** smart-launch with N workers / with one worker, same scenario. */
  vsOneWorker?: number;
}

export function withRatios(rows: Row[], cores: number): Row[] {
  const find = (scenario: string, label: string) => rows.find((r) => r.scenario === scenario && r.target.label === label);
  return rows.map((row) => {
    const ratio = (other: Row | undefined) => (other && other.result.rps > 0 && row.result.rps > 0 ? row.result.rps / other.result.rps : undefined);
    const ours = row.target.server === 'smart-launch';
    const one = ours && row.target.workers > 1 ? find(row.scenario, row.target.label.replace(/ x\d+$/, ' x1')) : undefined;
    return {
      ...row,
      ofCeiling: row.result.rps / (row.ceilingPerCore * Math.min(row.target.workers, cores)),
      ...(ours ? { vsPeerMemory: ratio(find(row.scenario, 'oidc-provider/memory')), vsPeerPostgres: ratio(find(row.scenario, 'oidc-provider/postgresql')) } : {}),
      ...(one ? { vsOneWorker: ratio(one) } : {}),
    };
  });
}

const COLUMNS = ['scenario', 'server', 'req/s', 'p50 ms', 'p99 ms', 'runs (req/s; p99 at a set rate)', 'requests', 'errors', 'CPU us/req', 'PostgreSQL CPU us/req', 'load CPU us/req', 'cores busy', 'of ceiling', 'vs peer mem', 'vs peer pg', 'vs 1 worker', 'RSS MB start/mid/end'] as const;

const x = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(2)}x`);

function cells(r: Row): string[] {
  return [
    r.title,
    r.target.label,
    r.result.rps.toFixed(0),
    r.result.p50.toFixed(1),
    r.result.p99.toFixed(1),
    r.runs ? r.runs.map((v) => (v < 100 ? v.toFixed(1) : v.toFixed(0))).join(' / ') : '-',
    String(r.result.requests),
    String(r.result.non2xx + r.result.errors),
    r.cpuUsPerRequest === undefined ? '-' : r.cpuUsPerRequest.toFixed(0),
    r.postgresCpuUsPerRequest === undefined ? '-' : r.postgresCpuUsPerRequest.toFixed(0),
    r.loadCpuUsPerRequest === undefined ? '-' : r.loadCpuUsPerRequest.toFixed(0),
    r.machineBusyCores === undefined ? '-' : r.machineBusyCores.toFixed(2),
    r.ofCeiling === undefined || !Number.isFinite(r.ceilingPerCore) ? '-' : r.ofCeiling.toFixed(2),
    x(r.vsPeerMemory),
    x(r.vsPeerPostgres),
    x(r.vsOneWorker),
    `${r.rssStartMb ?? '?'}/${r.rssMidMb ?? '?'}/${r.rssEndMb ?? '?'}`,
  ];
}

/** A plain-text table, one line per (scenario, server). */
export function formatTable(rows: Row[]): string {
  const all = rows.map(cells);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...all.map((row) => row[i]!.length)));
  const line = (values: readonly string[]) => values.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [line(COLUMNS), widths.map((w) => '-'.repeat(w)).join('  '), ...all.map(line)].join('\n');
}

/** The same table in Markdown (BENCHMARKS.md). */
export function formatMarkdown(rows: Row[]): string {
  return [`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${cells(r).join(' | ')} |`)].join('\n');
}

/** Rows whose run cannot be trusted: any non-2xx answer, connection error, or nothing served. */
export function invalidRows(rows: Row[]): Row[] {
  return rows.filter((r) => r.result.non2xx > 0 || r.result.errors > 0 || r.result.ok === 0);
}
