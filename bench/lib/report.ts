import type { LoadResult } from './load.ts';

export interface Row {
  scenario: string;
  server: 'smart-launch' | 'oidc-provider';
  database: string;
  result: LoadResult;
  /** smart-launch rps / the in-memory baseline's rps in the same scenario (undefined on baseline rows). */
  ratio?: number;
  /** smart-launch on PostgreSQL / the baseline with its PostgreSQL adapter, when both ran. */
  sameStorageRatio?: number;
}

const COLUMNS = ['scenario', 'server', 'database', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'errors', 'vs baseline', 'vs same storage'] as const;

export function withRatios(rows: Row[]): Row[] {
  return rows.map((row) => {
    if (row.server !== 'smart-launch') return row;
    const baseline = rows.find((r) => r.scenario === row.scenario && r.server === 'oidc-provider' && r.database === 'in-memory adapter');
    const persisted = row.database === 'postgresql' ? rows.find((r) => r.scenario === row.scenario && r.server === 'oidc-provider' && r.database.startsWith('postgresql')) : undefined;
    return {
      ...row,
      ...(baseline && baseline.result.rps > 0 ? { ratio: row.result.rps / baseline.result.rps } : {}),
      ...(persisted && persisted.result.rps > 0 ? { sameStorageRatio: row.result.rps / persisted.result.rps } : {}),
    };
  });
}

/** A plain-text table, one line per (scenario, server, database). */
export function formatTable(rows: Row[]): string {
  const cells = rows.map((r) => [
    r.scenario,
    r.server,
    r.database,
    r.result.rps.toFixed(0),
    r.result.p50.toFixed(1),
    r.result.p99.toFixed(1),
    String(r.result.requests),
    String(r.result.non2xx),
    String(r.result.errors),
    r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`,
    r.sameStorageRatio === undefined ? '-' : `${r.sameStorageRatio.toFixed(2)}x`,
  ]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: readonly string[]) => values.map((v, i) => (i < 3 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [line(COLUMNS), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Rows whose run cannot be trusted: any non-2xx answer, connection error, or nothing served. */
export function invalidRows(rows: Row[]): Row[] {
  return rows.filter((r) => r.result.non2xx > 0 || r.result.errors > 0 || r.result.ok === 0);
}
