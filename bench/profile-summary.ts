/**
 * Where a server's CPU went during a timed run: reads a .cpuprofile written by
 * `BENCH_CPU_PROF=1 npm run bench`, picks the busiest window (least idle) of
 * BENCH_WINDOW seconds (default 7), and prints self time by package and by
 * function (the top BENCH_TOP, default 25), plus inclusive time of the
 * functions whose location contains `filter` (e.g. `src/`).
 *
 * Read the self time of a call that hands work to another thread or process
 * (a socket write to PostgreSQL, a threadpool job) with care: the sampler
 * counts wall time, and on a saturated 2-core machine the woken thread or
 * process often takes this one's core inside that call.
 *
 *   npx tsx bench/profile-summary.ts bench/results/profiles/CPU.<...>.cpuprofile [filter]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, filter] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [filter]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parents = new Map<number, number>();
for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
const idle = profile.nodes.find((n) => n.callFrame.functionName === '(idle)')?.id;

// The busiest window: a sliding window over the samples' timestamps. With BENCH_FOCUS, the window
// where frames whose label contains it are busiest (e.g. `introspect` or `clientCredentials`):
// one scenario of a profile that covers a whole bench run.
const windowUs = Number(process.env.BENCH_WINDOW ?? 7) * 1e6;
const focus = process.env.BENCH_FOCUS;
const at: number[] = [];
let clock = 0;
for (const delta of profile.timeDeltas) at.push((clock += delta));
const focused = new Map<number, boolean>();
const inFocus = (id: number): boolean => {
  if (!focus) return false;
  let hit = focused.get(id);
  if (hit === undefined) {
    const node = nodes.get(id)!;
    const parent = parents.get(id);
    hit = `${node.callFrame.functionName} ${node.callFrame.url}`.includes(focus) || (parent !== undefined && inFocus(parent));
    focused.set(id, hit);
  }
  return hit;
};
// Minimised: idle time, or (with a focus) minus the time in focus.
const cost = (i: number) => (focus ? (inFocus(profile.samples[i]!) ? -profile.timeDeltas[i]! : 0) : profile.samples[i] === idle ? profile.timeDeltas[i]! : 0);
let best = { from: 0, to: profile.samples.length - 1, idle: Infinity };
let idleUs = 0;
for (let i = 0, j = 0; i < at.length; i++) {
  idleUs += cost(i);
  for (; at[i]! - at[j]! > windowUs; j++) idleUs -= cost(j);
  if (at[i]! - at[j]! > windowUs * 0.95 && idleUs < best.idle) best = { from: j, to: i, idle: idleUs };
}
if (focus) best.idle = 0;

const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/.*node_modules\//, '').replace(process.cwd() + '/', '')}:${n.callFrame.lineNumber + 1}`;
const area = (n: ProfileNode) => {
  const url = n.callFrame.url;
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.includes('/src/')) return `src/${url.split('/src/')[1]!.split('/')[0]}`;
  return url || n.callFrame.functionName;
};
const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);

const byArea = new Map<string, number>();
const byFunction = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
for (let i = best.from; i <= best.to; i++) {
  const us = profile.timeDeltas[i]!;
  const node = nodes.get(profile.samples[i]!)!;
  total += us;
  add(byArea, area(node), us);
  add(byFunction, label(node), us);
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parents.get(id)) {
    const key = label(nodes.get(id)!);
    if (!seen.has(key)) add(inclusive, key, us);
    seen.add(key);
  }
}

const print = (title: string, map: Map<string, number>, count: number) => {
  console.log(`\n== ${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, count)) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
};
console.log(`window ${(at[best.from]! / 1e6).toFixed(1)}–${(at[best.to]! / 1e6).toFixed(1)} s of the profile, ${(best.idle / 1e6).toFixed(2)} s idle`);
print('self time by package / module', byArea, 20);
print('self time by function', byFunction, Number(process.env.BENCH_TOP ?? 25));
if (filter) print(`inclusive time, ${filter} (async continuations lose their callers: a floor)`, new Map([...inclusive].filter(([k]) => k.includes(filter))), 25);
