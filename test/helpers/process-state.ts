import { afterAll, beforeAll, expect, vi } from 'vitest';

// Set up before every test file (vitest.config.ts). The forks keep their modules and globals from one
// file to the next (isolate: false), so a file that leaves fake timers on, fetch replaced or the
// environment changed would change the files after it: such a file fails here instead.
let env: Record<string, string | undefined> = {};
let fetch: typeof globalThis.fetch;

beforeAll(() => {
  env = { ...process.env };
  fetch = globalThis.fetch;
});

afterAll(() => {
  expect(vi.isFakeTimers(), 'the file left fake timers on').toBe(false);
  expect(globalThis.fetch === fetch, 'the file left globalThis.fetch replaced').toBe(true);
  const changed = [...new Set([...Object.keys(env), ...Object.keys(process.env)])].filter((name) => process.env[name] !== env[name]);
  expect(changed, 'the file changed these variables of process.env').toEqual([]);
});
