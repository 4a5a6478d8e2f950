import { describe } from 'vitest';

export type DatabaseKind = 'pglite' | 'postgres';

/** PostgreSQL for the storage tests, from TEST_DATABASE_URL (set by .ci/run). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

let warned = false;

/**
 * Runs a suite once on PGlite and once on PostgreSQL. Without
 * TEST_DATABASE_URL the PostgreSQL half is skipped, and says so.
 */
export function describeEachDatabase(title: string, suite: (kind: DatabaseKind) => void): void {
  describe(`${title} [pglite]`, () => suite('pglite'));
  if (TEST_DATABASE_URL) {
    describe(`${title} [postgres]`, () => suite('postgres'));
  } else {
    if (!warned) {
      warned = true;
      console.warn('\n*** TEST_DATABASE_URL is not set: the PostgreSQL half of the storage tests is SKIPPED ***\n');
    }
    describe.skip(`${title} [postgres: SKIPPED, TEST_DATABASE_URL not set]`, () => suite('postgres'));
  }
}
