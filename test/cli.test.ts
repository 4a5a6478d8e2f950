import { existsSync, mkdtempSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminJson } from './admin/admin-support.ts';
import { runCli } from './helpers/cli.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { SECRETS, basic } from './helpers/oauth.ts';
import { growthChartCode, redeemGrowthChartCode } from './http/launch-support.ts';
import { freshPostgresSchema, startTestServer, type TestServer, type TestServerOptions } from './helpers/server.ts';

const SYSTEM_NODE = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p));

describe('smart-launch CLI (no database)', () => {
  it('lists its commands, and refuses an unknown one with exit 64', { timeout: 120_000 }, async () => {
    const help = await runCli(['help']);
    expect(help.code).toBe(0);
    for (const name of ['clients add', 'clients list', 'clients disable', 'clients rotate-secret', 'users add', 'users set-attribute', 'users disable', 'launches create', 'grants revoke', 'config check'])
      expect(help.stdout).toContain(name);
    const unknown = await runCli(['clients', 'explode']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toMatch(/unknown command/);
  });

  it('config check validates smart-config/ without starting, and names the file and path of a mistake (exit 78)', { timeout: 120_000 }, async () => {
    const ok = await runCli(['config', 'check']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/smart-config: valid/);
    expect(ok.stdout).toMatch(/dynamic client registration: open/);
    const dir = mkdtempSync(path.join(tmpdir(), 'smart-config-'));
    try {
      cpSync(path.resolve('smart-config'), dir, { recursive: true });
      writeFileSync(path.join(dir, 'clients.json'), JSON.stringify({ clients: [{ id: 'x', name: 'x', type: 'public', redirectUris: ['nope'] }] }));
      const bad = await runCli(['config', 'check'], { SMART_CONFIG_DIR: dir });
      expect(bad.code).toBe(78);
      expect(bad.stderr).toMatch(/clients\.json: clients\[0\]\.redirectUris\[0\]: must be an absolute http\(s\) URL/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(SYSTEM_NODE)('runs on Node 24 even when started by an older node (and the production example is valid, registration off)', { timeout: 120_000 }, async () => {
    const res = await runCli(['config', 'check', '--json'], { SMART_CONFIG_DIR: 'smart-config/examples/production' }, SYSTEM_NODE);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ ok: true, users: 0, registration: 'off' });
  });
});

describeEachDatabase('smart-launch CLI against the service database', (kind) => {
  let env: Record<string, string>;
  let database: TestServerOptions['database'];
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    if (kind === 'postgres') {
      const fresh = await freshPostgresSchema();
      const url = new URL(fresh.url);
      url.searchParams.set('options', `-c search_path=${fresh.schema}`);
      env = { DATABASE_URL: url.toString() };
      database = { kind: 'postgres', url: fresh.url, schema: fresh.schema };
      cleanup = fresh.drop;
    } else {
      const dir = mkdtempSync(path.join(tmpdir(), 'smart-launch-cli-'));
      env = { PGLITE_DIR: dir };
      database = { kind: 'pglite-dir', dir };
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await cleanup?.();
  });

  const run = async (...args: string[]) => {
    const res = await runCli([...args, '--json'], env);
    expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(0);
    return JSON.parse(res.stdout) as any;
  };

  it('manages clients and users in the database the server then serves, every change audited as the CLI', async () => {
    const added = await run('clients', 'add', '--id', 'cli-rs', '--type', 'confidential-symmetric', '--grant-type', 'refresh_token', '--role', 'introspector');
    expect(added.client).toMatchObject({ id: 'cli-rs', source: 'admin', roles: ['introspector'] });
    expect(added.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rotated = await run('clients', 'rotate-secret', 'cli-rs', '--overlap-seconds', '600');
    expect(rotated.secret).not.toBe(added.secret);
    // Each PGlite process opens the directory afresh (seconds on a loaded machine): the PGlite half runs the core commands only.
    const full = kind === 'postgres';
    if (full) expect((await run('clients', 'list')).map((c: { id: string }) => c.id)).toContain('cli-rs');

    const user = await run('users', 'add', '--username', 'cli.user', '--fhir-user', 'Practitioner/pr001', '--attribute', 'roles=["physician"]');
    expect(user.password).toMatch(/^[A-Za-z0-9]{20}$/);
    const withWard = await run('users', 'set-attribute', user.user.id, 'ward', '7B');
    expect(withWard.attributes).toEqual({ roles: ['physician'], ward: '7B' });

    if (full) {
      const bad = await runCli(['clients', 'add', '--id', 'bad', '--type', 'public', '--redirect-uri', 'not-a-url'], env);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/invalid_request: redirectUris\.0/);
      const missing = await runCli(['clients', 'disable'], env);
      expect(missing.code).toBe(64);
    }

    // The server, on the same database, sees what the CLI did.
    let server: TestServer | undefined = await startTestServer(kind, { database });
    try {
      const introspect = (secret: string) =>
        fetch(`${server!.baseUrl}/introspect`, {
          method: 'POST',
          headers: { authorization: basic('cli-rs', secret), 'content-type': 'application/x-www-form-urlencoded' },
          body: 'token=x',
        });
      expect((await introspect(added.secret)).status).toBe(200); // the overlap window
      expect((await introspect(rotated.secret)).status).toBe(200);
      const events = await adminJson<{ items: Array<{ event: string; details: { actor: string } }> }>(server, '/audit-events', 200, {
        query: { client: 'cli-rs' },
      });
      const changes = events.items.filter((e) => e.event.startsWith('client.'));
      expect(changes.map((e) => e.event)).toEqual(['client.secret_rotated', 'client.created']);
      expect(changes[0]!.details.actor).toMatch(/^cli:/);

      if (full) {
        // PostgreSQL serves the CLI and a running server at once: a grant the CLI revokes stops at once.
        const { code, verifier } = await growthChartCode(server, { launch: { patient: 'p006' } });
        const { access_token } = (await (await redeemGrowthChartCode(server, code, verifier)).json()) as { access_token: string };
        const [grant] = (await adminJson<{ items: Array<{ id: string }> }>(server, '/grants', 200, { query: { patient: 'p006' } })).items;
        const revoked = await run('grants', 'revoke', grant!.id, '--reason', 'offboarded');
        expect(revoked).toMatchObject({ id: grant!.id, revokedReason: 'offboarded' });
        const check = await fetch(`${server.baseUrl}/introspect`, {
          method: 'POST',
          headers: { authorization: basic('fhir-server', SECRETS['fhir-server']), 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: access_token }).toString(),
        });
        expect(await check.json()).toEqual({ active: false });

        const created = await run('launches', 'create', '--client', 'growth-chart', '--patient', 'p001', '--encounter', 'e001');
        const launchUrl = new URL(created.launch_url);
        expect(`${launchUrl.origin}${launchUrl.pathname}`).toBe('https://growth-chart.example.org/launch');
        expect(launchUrl.searchParams.get('launch')).toBe(created.launch);
        const registrar = { authorization: basic('ehr-integrator', SECRETS['ehr-integrator']) };
        const stored = await fetch(`${server.baseUrl}/launches/${created.launch}`, { headers: registrar });
        expect(await stored.json()).toMatchObject({ status: 'active', patient: 'p001', encounter: 'e001', client_id: 'growth-chart' });
        const unknownPatient = await runCli(['launches', 'create', '--client', 'growth-chart', '--patient', 'nobody'], env);
        expect(unknownPatient.code).toBe(1);
        expect(unknownPatient.stderr).toMatch(/^smart-launch launches create: /);
      }
    } finally {
      await server.close();
      server = undefined;
    }

    expect((await run('clients', 'disable', 'cli-rs')).disabled).toBe(true);
    if (full) expect((await run('users', 'disable', user.user.id)).disabled).toBe(true);
    server = await startTestServer(kind, { database });
    try {
      expect(await adminJson(server, '/clients/cli-rs', 200)).toMatchObject({ disabled: true });
      expect(await adminJson(server, `/users/${user.user.id}`, 200)).toMatchObject({ disabled: full, attributes: { ward: '7B' } });
    } finally {
      await server.close();
    }
  }, 240_000);
});
