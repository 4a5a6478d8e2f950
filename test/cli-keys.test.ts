import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from './helpers/databases.ts';
import { freshPostgresSchema, startTestServer, type TestServer } from './helpers/server.ts';
import { runCli } from './helpers/cli.ts';

/** `smart-launch <args> --json` as its own process (bin/smart-launch.js). */
async function cli(args: string[], env: Record<string, string>): Promise<unknown> {
  const { code, stdout, stderr } = await runCli([...args, '--json'], env);
  expect(code, `${args.join(' ')}: ${stderr}`).toBe(0);
  return JSON.parse(stdout);
}

type Key = { kid: string; purpose: string; status: string };

describe('smart-launch keys (PGlite directory)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'smart-launch-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rotates: new keys are published, pending, while the old ones keep signing; --now signs at once', { timeout: 180_000 }, async () => {
    const env = { PGLITE_DIR: dir };
    const rotated = (await cli(['keys', 'rotate'], env)) as { purpose: string; kid: string }[];
    expect(rotated.map((r) => r.purpose).sort()).toEqual(['access_token', 'id_token']);
    const keys = (await cli(['keys', 'list'], env)) as Key[];
    for (const r of rotated) expect(keys.find((k) => k.kid === r.kid)?.status).toBe('pending');
    expect(keys.filter((k) => k.status === 'signing')).toHaveLength(2);

    const [now] = (await cli(['keys', 'rotate', '--purpose', 'access_token', '--now'], env)) as { kid: string }[];
    const after = (await cli(['keys', 'list', '--all'], env)) as Key[];
    expect(after.find((k) => k.kid === now!.kid)?.status).toBe('signing');
    // The pending access-token key was superseded before it signed anything: retired at once.
    expect(after.find((k) => k.kid === rotated.find((r) => r.purpose === 'access_token')!.kid)?.status).toBe('retired');
  });
});

describe.runIf(TEST_DATABASE_URL)('smart-launch keys rotate against a running instance (PostgreSQL)', () => {
  let fresh: Awaited<ReturnType<typeof freshPostgresSchema>>;
  let server: TestServer;
  beforeAll(async () => {
    fresh = await freshPostgresSchema();
    server = await startTestServer('postgres', {
      database: { kind: 'postgres', url: fresh.url, schema: fresh.schema },
      configure: (config) => {
        config.keys.reloadIntervalSeconds = 1;
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await fresh?.drop();
  });

  it('the running instance publishes the rotated keys within seconds, without a restart', async () => {
    const url = new URL(fresh.url);
    url.searchParams.set('options', `-c search_path=${fresh.schema}`);
    const rotated = (await cli(['keys', 'rotate'], { DATABASE_URL: url.toString() })) as { kid: string }[];
    const deadline = Date.now() + 30_000;
    let kids: string[] = [];
    while (Date.now() < deadline) {
      kids = ((await (await fetch(`${server.baseUrl}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
      if (rotated.every((r) => kids.includes(r.kid))) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(kids).toEqual(expect.arrayContaining(rotated.map((r) => r.kid)));
    expect(kids).toHaveLength(4);
  });
});
