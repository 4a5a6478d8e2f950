import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FormBrowser } from '../../conformance/browser.ts';
import { CLIENT_PRIVATE_KEYS } from '../helpers/assertions.ts';
import { SECRETS, newLaunch } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Whole flows through the pages: generous on a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

// fhirclient's own typings pull in the DOM lib (/// <reference lib="dom" />), which clashes with
// Node's stream types in this project's typecheck; the few members used here are declared instead.
interface Client {
  patient: { id: string; read(): Promise<unknown> };
  encounter: { id: string };
  state: { tokenResponse?: Record<string, unknown> & { access_token?: string } };
  getFhirUser(): string;
  request(url: string): Promise<unknown>;
  refresh(): Promise<unknown>;
}
namespace fhirclient {
  export type AuthorizeParams = Record<string, unknown> & { clientId: string; scope: string };
  export interface Storage {
    set(key: string, value: unknown): Promise<unknown>;
    get(key: string): Promise<unknown>;
    unset(key: string): Promise<boolean>;
  }
}
const smart = createRequire(import.meta.url)('fhirclient') as (req: IncomingMessage, res: ServerResponse, storage: fhirclient.Storage) => {
  authorize(params: fhirclient.AuthorizeParams): Promise<unknown>;
  ready(): Promise<Client>;
};

/** A server-side SMART app built on fhirclient's Node adapter: /launch authorizes, /callback completes. */
async function startApp(options: () => fhirclient.AuthorizeParams) {
  const values = new Map<string, unknown>();
  const storage: fhirclient.Storage = {
    set: async (k: string, v: unknown) => (values.set(k, v), v),
    get: async (k: string) => values.get(k),
    unset: async (k: string) => values.delete(k),
  };
  let ready: Client | undefined;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://app').pathname;
    if (path === '/launch') void smart(req, res, storage).authorize(options());
    else if (path === '/callback')
      smart(req, res, storage).ready().then(
        (client) => ((ready = client), res.end('ready')),
        (error: Error) => res.writeHead(500).end(error.message),
      );
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    callback: `${url}/callback`,
    client: () => ready!,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

// fhirclient 2.x (SMART's JavaScript client) in Node, as it comes.
describe('fhirclient in Node against the service', () => {
  let server: TestServer;
  let app: Awaited<ReturnType<typeof startApp>>;
  let params: fhirclient.AuthorizeParams = { clientId: 'sample-app', scope: '' };
  beforeAll(async () => {
    app = await startApp(() => ({ ...params, redirectUri: app.callback }));
    server = await startTestServer('pglite', {
      configure: (config) => {
        for (const c of config.clients) if (['sample-app', 'growth-chart', 'cardio-risk'].includes(c.id)) c.redirectUris.push(app.callback);
      },
    });
  }, 180_000); // starting the service is slow on a loaded machine
  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  /** Opens the app's launch URL (EHR launch: with iss and launch) and goes through the pages to a ready client. */
  async function launchApp(query: Record<string, string>, user?: { username: string; password: string }): Promise<Client> {
    const browser = new FormBrowser();
    const toServer = await browser.authorize(`${app.url}/launch?${new URLSearchParams(query)}`);
    const back = await browser.authorize(toServer, { ...user, redirectUri: app.callback });
    const done = await fetch(back);
    expect(done.status, await done.clone().text()).toBe(200);
    return app.client();
  }
  const ehrLaunch = async (clientId: string) => ({
    iss: server.config.fhirBaseUrl,
    launch: await newLaunch(server, { patient: 'p001', encounter: 'e001', fhirUser: 'Practitioner/pr001', client_id: clientId }),
  });

  it('EHR launch, public client: context, id_token, refresh and a FHIR read of the patient', async () => {
    params = { clientId: 'sample-app', scope: 'launch openid fhirUser online_access patient/*.rs' };
    const client = await launchApp(await ehrLaunch('sample-app'));
    expect(client.patient.id).toBe('p001');
    expect(client.encounter.id).toBe('e001');
    expect(client.getFhirUser()).toBe('Practitioner/pr001');
    const patient = (await client.request(`Patient/${client.patient.id}`)) as fhir4.Patient;
    expect(patient).toMatchObject({ resourceType: 'Patient', id: 'p001' });
    const before = client.state.tokenResponse?.access_token;
    await client.refresh();
    expect(client.state.tokenResponse?.access_token).not.toBe(before);
  });

  it('EHR launch, confidential symmetric client (Basic): refresh keeps the context', async () => {
    params = { clientId: 'growth-chart', clientSecret: SECRETS['growth-chart'], scope: 'launch openid fhirUser offline_access patient/*.rs' };
    const client = await launchApp(await ehrLaunch('growth-chart'));
    expect(client.state.tokenResponse).toMatchObject({ patient: 'p001', need_patient_banner: true });
    await client.refresh();
    expect(client.state.tokenResponse!.patient).toBe('p001');
    expect(((await client.patient.read()) as fhir4.Patient).id).toBe('p001');
  });

  it('EHR launch, confidential asymmetric client (private_key_jwt, ES384)', async () => {
    params = { clientId: 'cardio-risk', clientPrivateJwk: CLIENT_PRIVATE_KEYS['cardio-risk-es384-1'], scope: 'launch openid fhirUser patient/*.rs' };
    const client = await launchApp(await ehrLaunch('cardio-risk'));
    expect(client.patient.id).toBe('p001');
    expect(((await client.request('Patient/p001')) as fhir4.Patient).id).toBe('p001');
  });

  it('standalone launch: the patient user signs in and gets her own record', async () => {
    params = { clientId: 'sample-app', iss: server.config.fhirBaseUrl, scope: 'launch/patient openid fhirUser patient/*.rs' };
    const client = await launchApp({}, { username: 'amy', password: 'amy-demo' });
    expect(client.patient.id).toBe('p001');
    expect(client.getFhirUser()).toBe('Patient/p001');
    expect(((await client.patient.read()) as fhir4.Patient).id).toBe('p001');
  });
});
