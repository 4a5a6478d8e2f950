import { afterAll, beforeAll, expect, vi } from 'vitest';

// Set up before every test file (vitest.config.ts). The forks keep their modules and globals from one
// file to the next (isolate: false), so a file that leaves fake timers on, fetch replaced, the
// environment changed, a server listening or a child process running would change (or slow, or
// keep alive) the files after it: such a file fails here instead.
let env: Record<string, string | undefined> = {};
let fetch: typeof globalThis.fetch;
let handlesBefore: Map<string, number>;

/** Node's own names for a listening TCP server and a child process (process.getActiveResourcesInfo). */
const WATCHED_HANDLES = { TCPServerWrap: 'servers listening', ProcessWrap: 'child processes running' } as const;

function watchedHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const resource of process.getActiveResourcesInfo()) {
    if (resource in WATCHED_HANDLES) counts.set(resource, (counts.get(resource) ?? 0) + 1);
  }
  return counts;
}

function handlesLeft(): string[] {
  const now = watchedHandles();
  return Object.entries(WATCHED_HANDLES)
    .filter(([handle]) => (now.get(handle) ?? 0) > (handlesBefore.get(handle) ?? 0))
    .map(([handle, what]) => `${(now.get(handle) ?? 0) - (handlesBefore.get(handle) ?? 0)} ${what}`);
}

beforeAll(() => {
  env = { ...process.env };
  fetch = globalThis.fetch;
  handlesBefore = watchedHandles();
});

// This file's hooks are registered first, so this runs after the test file's own afterAll hooks.
afterAll(async () => {
  expect(vi.isFakeTimers(), 'the file left fake timers on').toBe(false);
  expect(globalThis.fetch === fetch, 'the file left globalThis.fetch replaced').toBe(true);
  const changed = [...new Set([...Object.keys(env), ...Object.keys(process.env)])].filter((name) => process.env[name] !== env[name]);
  expect(changed, 'the file changed these variables of process.env').toEqual([]);
  // A handle goes once its close has run (a child's after it exits): give that a few seconds on a loaded machine.
  const deadline = Date.now() + 10_000;
  while (handlesLeft().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(handlesLeft(), 'the file left these open').toEqual([]);
});
