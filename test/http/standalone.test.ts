import { parse } from 'node-html-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPortBaseUrl, startFakeFhirServer, type FakeFhirServer } from '../fhir/fake-fhir-server.ts';
import { TestBrowser, readForm } from '../helpers/browser.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { GROWTH_CHART_REDIRECT, SECRETS, authorizeUrl, basic, decodeJwt, pkce, postToken } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// SMART App Launch 2.2, app-launch "standalone launch": no `launch` parameter; launch/patient and
// launch/encounter ask the authorization server to establish the context (a picker, or the
// patient-user's own record).

const PICK_BOTH = 'launch/patient launch/encounter openid fhirUser patient/*.rs';
const CARTER = { username: 'dr.carter', password: 'carter-demo' };

interface Step {
  status: number;
  path: string | undefined;
  text: string;
  leftTo: URL | undefined;
}

/** Follows same-server redirects to a page (or to the app) and reads it. No step may ever be a 500. */
async function land(browser: TestBrowser, res: Response): Promise<Step> {
  const step = await browser.follow(res);
  const text = step.leftTo ? '' : await step.res.text();
  expect(step.res.status, text.slice(0, 300)).not.toBe(500);
  return {
    status: step.res.status,
    path: step.leftTo ? undefined : new URL(step.url).pathname,
    text,
    leftTo: step.leftTo ? new URL(step.leftTo) : undefined,
  };
}

/** Starts a standalone authorization for growth-chart and signs in when a user is given. */
async function startStandalone(server: TestServer, scope: string, login?: { username: string; password: string }) {
  const browser = new TestBrowser(server.baseUrl);
  const { verifier, challenge } = pkce();
  let step = await land(browser, await browser.get(authorizeUrl(server, { client_id: 'growth-chart', redirect_uri: GROWTH_CHART_REDIRECT, scope, state: 's-1', code_challenge: challenge })));
  expect(step.path).toBe('/login');
  if (login) step = await land(browser, await browser.post('/login', { ...readForm(step.text).fields, ...login }));
  return { browser, verifier, step };
}

const choose = (browser: TestBrowser, step: Step, path: string, choice: Record<string, string | string[]>) =>
  browser.post(path, { ...readForm(step.text, 'form#choose').fields, ...choice }).then((res) => land(browser, res));

const rows = (text: string, attribute: 'data-patient' | 'data-encounter') =>
  parse(text).querySelectorAll(`tr[${attribute}]`).map((tr) => tr.getAttribute(attribute));

async function approve(browser: TestBrowser, consent: Step): Promise<string> {
  expect(consent.path).toBe('/consent');
  const form = readForm(consent.text);
  const back = await land(browser, await browser.post(form.action, { ...form.fields, decision: 'approve' }));
  expect(back.leftTo?.searchParams.get('state')).toBe('s-1');
  return back.leftTo!.searchParams.get('code')!;
}

async function redeem(server: TestServer, code: string, verifier: string): Promise<Record<string, unknown>> {
  const res = await postToken(
    server,
    { grant_type: 'authorization_code', code, redirect_uri: GROWTH_CHART_REDIRECT, code_verifier: verifier },
    { authorization: basic('growth-chart', SECRETS['growth-chart']) },
  );
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describeEachDatabase('Standalone launch', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('advertises launch-standalone and the standalone patient and encounter contexts', async () => {
    const res = await fetch(`${server.baseUrl}/.well-known/smart-configuration`);
    const { capabilities } = (await res.json()) as { capabilities: string[] };
    expect(capabilities).toEqual(expect.arrayContaining(['launch-standalone', 'context-standalone-patient', 'context-standalone-encounter']));
  });

  it('lets a practitioner search for and pick a patient, then an encounter, and returns both with need_patient_banner', async () => {
    const { browser, verifier, step: picker } = await startStandalone(server, PICK_BOTH, CARTER);
    expect(picker.path).toBe('/select-patient');
    // Paged: twelve patients, ten a page, each row with name, birth date, gender and identifier.
    expect(rows(picker.text, 'data-patient')).toHaveLength(10);
    expect(parse(picker.text).querySelector('#paging')?.text).toMatch(/Page 1 of 2 · 12 patients/);
    expect(parse(picker.text).querySelector('tr[data-patient="p001"]')?.text).toMatch(/Amy Shaw[\s\S]*1987-02-20[\s\S]*female[\s\S]*MRN-1001/);
    const second = await land(browser, await browser.get('/select-patient?page=2'));
    expect(rows(second.text, 'data-patient')).toHaveLength(2);

    const byName = await land(browser, await browser.get('/select-patient?q=smith'));
    expect(rows(byName.text, 'data-patient').sort()).toEqual(['p002', 'p003']);
    const byIdentifier = await land(browser, await browser.get('/select-patient?q=MRN-1003'));
    expect(rows(byIdentifier.text, 'data-patient')).toEqual(['p003']);

    const encounters = await choose(browser, byIdentifier, '/select-patient', { patient: 'p003' });
    expect(encounters.path).toBe('/select-encounter');
    expect(rows(encounters.text, 'data-encounter').sort()).toEqual(['e005', 'e006']);
    expect(parse(encounters.text).querySelector('#patient-name')?.text).toBe('Maria Smith');

    const consent = await choose(browser, encounters, '/select-encounter', { encounter: 'e006' });
    expect(consent.path).toBe('/consent');
    expect(parse(consent.text).querySelector('#patient-name')?.text).toBe('Maria Smith');

    const body = await redeem(server, await approve(browser, consent), verifier);
    expect(body).toMatchObject({ patient: 'p003', encounter: 'e006', need_patient_banner: true });
    expect(String(body.scope).split(' ').sort()).toEqual(['fhirUser', 'launch/encounter', 'launch/patient', 'openid', 'patient/*.rs']);
    expect(decodeJwt(String(body.access_token))).toMatchObject({ patient: 'p003', encounter: 'e006', sub: 'dr-carter' });
  });

  it('gives a Patient user their own record without a picker', async () => {
    const { browser, verifier, step } = await startStandalone(server, 'launch/patient openid fhirUser patient/*.rs', {
      username: 'amy',
      password: 'amy-demo',
    });
    expect(step.path).toBe('/consent');
    expect(parse(step.text).querySelector('#patient-name')?.text).toBe('Amy Shaw');
    const body = await redeem(server, await approve(browser, step), verifier);
    expect(body).toMatchObject({ patient: 'p001', need_patient_banner: true });
    expect(body.encounter).toBeUndefined();
  });

  it('skips the encounter picker for a patient without encounters, and lets the user continue without one', async () => {
    const first = await startStandalone(server, PICK_BOTH, CARTER);
    const consent = await choose(first.browser, first.step, '/select-patient', { patient: 'p005' });
    expect(consent.path).toBe('/consent');
    const body = await redeem(server, await approve(first.browser, consent), first.verifier);
    expect(body).toMatchObject({ patient: 'p005', need_patient_banner: true });
    expect(body.encounter).toBeUndefined();

    const second = await startStandalone(server, PICK_BOTH, CARTER);
    const encounters = await choose(second.browser, second.step, '/select-patient', { patient: 'p001' });
    expect(encounters.path).toBe('/select-encounter');
    const skipped = await choose(second.browser, encounters, '/select-encounter', { without: 'encounter' });
    const body2 = await redeem(server, await approve(second.browser, skipped), second.verifier);
    expect(body2.patient).toBe('p001');
    expect(body2.encounter).toBeUndefined();
  });

  it('refuses a patient id sent by hand that is not in the data, or is not an id, with a 400 page', async () => {
    const { browser, step } = await startStandalone(server, PICK_BOTH, CARTER);
    const unknown = await choose(browser, step, '/select-patient', { patient: 'p999' });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toMatch(/not one you can choose/);

    for (const patient of ['../Patient/p001', '', ['p001', 'p002']]) {
      const again = await land(browser, await browser.get('/select-patient'));
      expect((await choose(browser, again, '/select-patient', { patient })).status).toBe(400);
    }
    // Nothing was chosen: the picker is still the next step.
    expect((await land(browser, await browser.get('/interaction'))).path).toBe('/select-patient');
  });

  it("refuses an encounter that is not the chosen patient's", async () => {
    const { browser, step } = await startStandalone(server, PICK_BOTH, CARTER);
    let encounters = await choose(browser, step, '/select-patient', { patient: 'p001' });
    for (const encounter of ['e004', 'e999']) {
      expect((await choose(browser, encounters, '/select-encounter', { encounter })).status).toBe(400);
      encounters = await land(browser, await browser.get('/select-encounter'));
    }
    expect(rows(encounters.text, 'data-encounter').sort()).toEqual(['e001', 'e002', 'e003']);
  });

  it('shows a RelatedPerson only the patient their record links to', async () => {
    const { browser, verifier, step } = await startStandalone(server, 'launch/patient openid fhirUser patient/*.rs', {
      username: 'carla',
      password: 'carla-demo',
    });
    expect(step.path).toBe('/select-patient');
    expect(rows(step.text, 'data-patient')).toEqual(['p002']);
    expect(parse(step.text).querySelector('form#search')).toBeNull();
    expect((await choose(browser, step, '/select-patient', { patient: 'p001' })).status).toBe(400);

    const again = await land(browser, await browser.get('/select-patient'));
    const consent = await choose(browser, again, '/select-patient', { patient: 'p002' });
    expect((await redeem(server, await approve(browser, consent), verifier)).patient).toBe('p002');
  });

  it('narrows patient/ scopes away when there is no launch/patient and so no patient context', async () => {
    const { browser, verifier, step } = await startStandalone(server, 'openid fhirUser patient/*.rs user/Patient.rs', CARTER);
    expect(step.path).toBe('/consent');
    const body = await redeem(server, await approve(browser, step), verifier);
    expect(String(body.scope).split(' ').sort()).toEqual(['fhirUser', 'openid', 'user/Patient.rs']);
    expect(body.patient).toBeUndefined();
  });

  it('keeps the steps in order and refuses bad picker input with a 400 page', async () => {
    const { browser } = await startStandalone(server, PICK_BOTH);
    // Not signed in yet: the pickers send the browser back to its next step.
    expect((await land(browser, await browser.get('/select-patient'))).path).toBe('/login');
    const login = await land(browser, await browser.get('/select-encounter'));
    expect(login.path).toBe('/login');
    const picker = await land(browser, await browser.post('/login', { ...readForm(login.text).fields, ...CARTER }));
    expect((await land(browser, await browser.get('/select-encounter'))).path).toBe('/select-patient');
    expect((await land(browser, await browser.get('/select-patient?page=zero'))).status).toBe(400);
    expect((await land(browser, await browser.get('/select-patient?q=a&q=b'))).status).toBe(400);
    expect((await land(browser, await browser.get(`/select-patient?q=${'x'.repeat(300)}`))).status).toBe(400);
    // A form without its CSRF token is refused.
    const { csrf: _csrf, ...noCsrf } = readForm(picker.text, 'form#choose').fields;
    expect((await land(browser, await browser.post('/select-patient', { ...noCsrf, patient: 'p001' }))).status).toBe(400);
  });
});

describe('Standalone launch with an upstream FHIR server [pglite]', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const s of servers.reverse()) await s.close();
  });
  const start = async (upstream: string, timeoutMs?: number) => {
    const server = await startTestServer('pglite', {
      env: { FHIR_UPSTREAM_URL: upstream },
      configure: (config) => {
        if (timeoutMs) config.fhirUpstreamTimeoutMs = timeoutMs;
      },
    });
    servers.push(server);
    return server;
  };

  it('lists, searches and picks patients and encounters served by the upstream server', async () => {
    const fhir: FakeFhirServer = await startFakeFhirServer();
    servers.push(fhir);
    const server = await start(fhir.baseUrl);
    const { browser, verifier, step } = await startStandalone(server, PICK_BOTH, CARTER);
    expect(rows(step.text, 'data-patient')).toHaveLength(10);
    const found = await land(browser, await browser.get('/select-patient?q=garcia'));
    expect(rows(found.text, 'data-patient')).toEqual(['p004']);
    const encounters = await choose(browser, found, '/select-patient', { patient: 'p004' });
    expect(rows(encounters.text, 'data-encounter').sort()).toEqual(['e007', 'e008']);
    const consent = await choose(browser, encounters, '/select-encounter', { encounter: 'e007' });
    expect(await redeem(server, await approve(browser, consent), verifier)).toMatchObject({ patient: 'p004', encounter: 'e007' });
    expect(fhir.requests.some((r) => r.path === '/fhir/Patient' && r.params.getAll('name').includes('garcia'))).toBe(true);
  });

  it('shows a 503 page when the upstream server is down', async () => {
    const server = await start(await closedPortBaseUrl());
    const { step } = await startStandalone(server, PICK_BOTH, CARTER);
    expect(step.path).toBe('/select-patient');
    expect(step.status).toBe(503);
    expect(step.text).toMatch(/patient records server is not answering/);
  });

  it('shows a 503 page when the upstream server is too slow', async () => {
    const slow = await startFakeFhirServer({ delayMs: 3000 });
    servers.push(slow);
    const server = await start(slow.baseUrl, 300);
    const { step } = await startStandalone(server, PICK_BOTH, CARTER);
    expect(step.status).toBe(503);
    expect(step.text).toMatch(/not answering/);
  });

  it('shows a 503 page at the encounter picker when the upstream server goes away mid-flow', async () => {
    const fhir = await startFakeFhirServer();
    const server = await start(fhir.baseUrl);
    const { browser, step } = await startStandalone(server, PICK_BOTH, CARTER);
    const chosen = await browser.post('/select-patient', { ...readForm(step.text, 'form#choose').fields, patient: 'p001' });
    expect(chosen.status).toBe(303);
    await fhir.close();
    const encounters = await land(browser, chosen);
    expect(encounters.path).toBe('/select-encounter');
    expect(encounters.status).toBe(503);
  });
});
