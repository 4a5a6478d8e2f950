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
  },
});
