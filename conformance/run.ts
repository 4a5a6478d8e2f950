// npm run conformance -- --base <issuer> [--config conformance.json] [--only pkce,token]
import { parseArgs } from 'node:util';
import { loadConformanceConfig } from './config.ts';
import { formatResult, formatSummary, runSuite } from './suite.ts';

const { values } = parseArgs({
  options: { base: { type: 'string' }, config: { type: 'string' }, only: { type: 'string' } },
});
if (!values.base) {
  console.error('usage: npm run conformance -- --base <issuer URL> [--config <file.json>] [--only <group,...>]');
  process.exit(64);
}
const base = values.base.replace(/\/$/, '');
const config = loadConformanceConfig(base, values.config);
console.log(`SMART App Launch 2.2 conformance: ${base}`);
const report = await runSuite(base, config, {
  only: values.only?.split(',').filter(Boolean),
  report: (result) => console.log(formatResult(result)),
});
console.log(formatSummary(report));
process.exit(report.failed ? 1 : 0);
