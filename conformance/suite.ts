import { authorizeCases } from './cases/authorize.ts';
import { backendCases } from './cases/backend.ts';
import { CaseFailure, type Case } from './cases/check.ts';
import { discoveryCases } from './cases/discovery.ts';
import { tokenCases } from './cases/token.ts';
import type { ConformanceConfig } from './config.ts';
import { Harness, Skip, type Discovery } from './harness.ts';

export const CASES: readonly Case[] = [...discoveryCases, ...authorizeCases, ...tokenCases, ...backendCases];

export interface CaseResult {
  group: string;
  name: string;
  outcome: 'passed' | 'failed' | 'skipped';
  reason?: string;
}

export interface SuiteReport {
  results: CaseResult[];
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Runs the SMART App Launch 2.2 cases against the authorization server whose
 * discovery document is at `{base}/.well-known/smart-configuration`, one after
 * another, reporting each as it finishes. `only` keeps the cases of these groups.
 */
export async function runSuite(
  base: string,
  config: ConformanceConfig,
  options: { only?: readonly string[]; report?: (result: CaseResult) => void } = {},
): Promise<SuiteReport> {
  const results: CaseResult[] = [];
  const add = (result: CaseResult) => {
    results.push(result);
    options.report?.(result);
  };
  const res = await fetch(`${base.replace(/\/$/, '')}/.well-known/smart-configuration`, { headers: { accept: 'application/json' } });
  const discovery = res.ok ? ((await res.json()) as Discovery) : undefined;
  const cases = CASES.filter((c) => !options.only?.length || options.only.includes(c.group));
  if (!discovery) {
    add({ group: 'discovery', name: 'the SMART configuration is served', outcome: 'failed', reason: `HTTP ${res.status}` });
  } else {
    const h = new Harness(base, discovery, config);
    for (const c of cases) {
      try {
        await c.run(h);
        add({ group: c.group, name: c.name, outcome: 'passed' });
      } catch (error) {
        if (error instanceof Skip) add({ group: c.group, name: c.name, outcome: 'skipped', reason: error.message });
        else add({ group: c.group, name: c.name, outcome: 'failed', reason: error instanceof CaseFailure ? error.message : `error: ${(error as Error).message}` });
      }
    }
  }
  const count = (outcome: CaseResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
  return { results, passed: count('passed'), failed: count('failed'), skipped: count('skipped') };
}

/** One line per case, as the CLI prints it. */
export function formatResult(r: CaseResult): string {
  const mark = { passed: 'pass', failed: 'FAIL', skipped: 'skip' }[r.outcome];
  return `${mark}  [${r.group}] ${r.name}${r.reason ? ` — ${r.reason}` : ''}`;
}

export function formatSummary(report: SuiteReport): string {
  return `${report.passed} passed, ${report.failed} failed${report.skipped ? `, ${report.skipped} skipped` : ''}`;
}
