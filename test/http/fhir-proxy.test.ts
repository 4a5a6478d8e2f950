// Proxy mode: the FHIR API in front of a separately started FHIR server process (the
// @medplum/fhir-router engine behind node:http, src/fhir/engine-http.ts), which knows nothing of
// SMART. The same enforcement suite as on the embedded engine must pass.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessToken } from '../../src/tokens/access-token.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { closedPortBaseUrl } from '../fhir/fake-fhir-server.ts';
import { describeFhirEnforcement, enforcementConfig } from './fhir-enforcement-suite.ts';
import { ehrLaunchToken, fhirClient } from './fhir-support.ts';

const CLIENT = { id: 'smart-gateway', secret: 'upstream-secret-for-the-proxy-test' };

async function startEngineProcess(env: Record<string, string>): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/fhir/engine-http.ts'], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the FHIR engine process did not start: ${stdout}`)), 60_000);
    child.stdout!.on('data', (chunk) => {
      stdout += String(chunk);
      const match = /FHIR engine: (\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`the FHIR engine process exited with ${code}`)));
  });
  return { child, baseUrl };
}

let engine: { child: ChildProcess; baseUrl: string };
beforeAll(async () => {
  engine = await startEngineProcess({ ENGINE_CLIENT: `${CLIENT.id}:${CLIENT.secret}` });
}, 90_000);
afterAll(() => {
  engine?.child.kill('SIGTERM');
});

const startProxy = (kind: Parameters<typeof startTestServer>[0]) =>
  startTestServer(kind, {
    env: { FHIR_UPSTREAM_URL: engine.baseUrl },
    configure: (config) => {
      enforcementConfig(config);
      const tokenUrl = engine.baseUrl.replace(/\/fhir$/, '/token');
      config.fhirUpstreamAuth = { kind: 'client_credentials', tokenUrl, clientId: CLIENT.id, clientSecret: CLIENT.secret };
    },
  });

describeEachDatabase('FHIR API in proxy mode', (kind) => {
  describeFhirEnforcement('proxy', startProxy, kind);
});

describe('FHIR API in proxy mode: what the proxy itself does', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startProxy('pglite');
    token = await ehrLaunchToken(server, 'launch openid fhirUser patient/*.rs patient/Observation.cruds');
  }, 180_000);
  afterAll(async () => {
    await server?.close();
  });

  it("rewrites the upstream's base URL to ours in Bundle links and entries", async () => {
    const { status, body } = await fhirClient(server, token).get('Observation?_count=2');
    expect(status).toBe(200);
    const text = JSON.stringify(body);
    expect(text).not.toContain(engine.baseUrl);
    expect(body.link.find((l: any) => l.relation === 'self').url).toMatch(new RegExp(`^${server.config.fhirBaseUrl}/Observation`));
    expect(body.link.find((l: any) => l.relation === 'next').url).toMatch(new RegExp(`^${server.config.fhirBaseUrl}/Observation`));
    expect(body.entry[0].fullUrl).toMatch(new RegExp(`^${server.config.fhirBaseUrl}/Observation/`));
  });

  it('passes a create through and rewrites its Location header', async () => {
    const obs = { resourceType: 'Observation', status: 'final', code: { text: 'proxy note' }, subject: { reference: 'Patient/p001' } };
    const { status, body, res } = await fhirClient(server, token).send('POST', 'Observation', obs);
    expect(status).toBe(201);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${server.config.fhirBaseUrl}/Observation/${body.id}`));
    expect((await fhirClient(server, token).get(`Observation/${body.id}`)).status).toBe(200);
    const other = { ...obs, subject: { reference: 'Patient/p002' } };
    expect((await fhirClient(server, token).send('POST', 'Observation', other)).status).toBe(403);
  });
});

describe('FHIR API in proxy mode: upstream failures', () => {
  let hanging: Server;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    // Accepts connections and never answers.
    hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    hanging?.close();
  });

  const backendStyleToken = (server: TestServer) => {
    // No launch can be registered against an unreachable upstream (the patient is checked there), so
    // the token is signed with the server's own key, as its /token would for bulk-exporter.
    const now = Math.floor(Date.now() / 1000);
    return signAccessToken(server.deps.keys.accessToken, {
      iss: server.config.issuer, aud: server.config.fhirBaseUrl, sub: 'bulk-exporter', client_id: 'bulk-exporter',
      scope: 'system/Patient.rs', jti: 'g-proxy-failure.1', iat: now, exp: now + 300,
    });
  };

  it('answers 502 with an OperationOutcome when the upstream cannot be reached', async () => {
    const server = await startTestServer('pglite', { env: { FHIR_UPSTREAM_URL: await closedPortBaseUrl() } });
    servers.push(server);
    const { status, body } = await fhirClient(server, backendStyleToken(server)).get('Patient/p001');
    expect(status).toBe(502);
    expect(body.resourceType).toBe('OperationOutcome');
  }, 120_000);

  it('answers 504 with an OperationOutcome when the upstream does not answer in time', async () => {
    const port = (hanging.address() as { port: number }).port;
    const server = await startTestServer('pglite', {
      env: { FHIR_UPSTREAM_URL: `http://127.0.0.1:${port}/fhir` },
      configure: (config) => {
        config.fhirUpstreamTimeoutMs = 300;
      },
    });
    servers.push(server);
    const { status, body } = await fhirClient(server, backendStyleToken(server)).get('Patient/p001');
    expect(status).toBe(504);
    expect(body.issue[0].code).toBe('timeout');
  }, 120_000);
});
