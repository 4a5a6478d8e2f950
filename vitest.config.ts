import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous: a first `npm test` on a loaded 2-core machine must pass; no test relies on these as a deadline.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: files run in parallel forks, each on its own database or schema.
    pool: 'forks',
    maxWorkers: 2,
    // Each fork keeps its modules across the files it runs: the same suite took 365 s isolated and
    // 276-296 s not (import 72 s against 10 s; 2-core EPYC, same hour). So a test file must leave no
    // process state behind: test/helpers/process-state.ts fails one that leaves fake timers on,
    // fetch replaced, the environment changed, a server listening or a child process running.
    isolate: false,
    setupFiles: ['test/helpers/process-state.ts'],
  },
});
