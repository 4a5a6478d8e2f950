import { parse } from 'node-html-parser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TestBrowser } from '../helpers/browser.ts';
import { GROWTH_CHART_REDIRECT, sampleAppRedirect, SECRETS, authorizeUrl, basic, decodeJwt, newLaunch, pkce, postToken } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Whole flows through the pages: generous on a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

const ENCOUNTER_DIAGNOSIS = 'patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis';

describe('consent with granular choices and the launch context', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  }, 180_000); // starting the service is slow on a loaded machine
  afterAll(async () => {
    await server?.close();
  });

  /** Opens the consent page of an authorization request; returns the browser, the page and the PKCE verifier. */
  async function consentPage(params: { client_id: string; redirect_uri: string; scope: string; launch?: string }, login?: Record<string, string>) {
    const browser = new TestBrowser(server.baseUrl);
    const { verifier, challenge } = pkce();
    let step = await browser.follow(await browser.get(authorizeUrl(server, { ...params, state: 's1', code_challenge: challenge })));
    if (new URL(step.url).pathname === '/login') {
      const csrf = parse(await step.res.text()).querySelector('input[name=csrf]')!.getAttribute('value')!;
      step = await browser.follow(await browser.post('/login', { csrf, ...login }));
    }
    expect(new URL(step.url).pathname).toBe('/consent');
    return { browser, verifier, html: await step.res.text() };
  }

  it('offers categories of Condition, and the token carries exactly the one category granted', async () => {
    const launch = await newLaunch(server, {
      patient: 'p001', encounter: 'e001', fhirUser: 'Practitioner/pr001', fhirContext: [{ reference: 'DiagnosticReport/dr001' }],
    });
    const scope = 'launch openid fhirUser patient/Condition.rs patient/Observation.rs';
    const { browser, verifier, html } = await consentPage({ client_id: 'growth-chart', redirect_uri: GROWTH_CHART_REDIRECT, scope, launch });
    const root = parse(html);
    const boxes = root.querySelectorAll('input[name=scope]').map((i) => ({ value: i.getAttribute('value'), checked: i.hasAttribute('checked') }));
    expect(boxes).toContainEqual({ value: 'patient/Condition.rs', checked: true });
    expect(boxes).toContainEqual({ value: ENCOUNTER_DIAGNOSIS, checked: false });
    expect(boxes.filter((b) => b.value?.startsWith('patient/Observation.rs?category=')).length).toBeGreaterThan(3);

    // Who, which encounter, and what else is open.
    expect(root.querySelector('#signed-in')?.text).toMatch(/Carter/);
    expect(root.querySelector('#encounter')?.text.trim()).not.toBe('');
    expect(root.querySelector('#fhir-context')?.text).toContain('DiagnosticReport/dr001');

    const csrf = root.querySelector('input[name=csrf]')!.getAttribute('value')!;
    const res = await browser.post('/consent', { csrf, decision: 'approve', scope: ['openid', 'fhirUser', ENCOUNTER_DIAGNOSIS, 'patient/Observation.rs'] });
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const token = await postToken(server, { grant_type: 'authorization_code', code, redirect_uri: GROWTH_CHART_REDIRECT, code_verifier: verifier },
      { authorization: basic('growth-chart', SECRETS['growth-chart']) });
    const body = (await token.json()) as { scope: string; access_token: string };
    expect(body.scope).toBe(`launch openid fhirUser ${ENCOUNTER_DIAGNOSIS} patient/Observation.rs`);
    expect(decodeJwt(body.access_token).scope).toBe(body.scope);
  });

  it('never grants a category the user did not choose, nor more than was asked', async () => {
    const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001' });
    const { browser, verifier, html } = await consentPage({ client_id: 'growth-chart', redirect_uri: GROWTH_CHART_REDIRECT, scope: 'launch patient/Condition.rs', launch });
    const csrf = parse(html).querySelector('input[name=csrf]')!.getAttribute('value')!;
    // A forged form adds a scope the app never asked for: consent can only narrow the request.
    const res = await browser.post('/consent', { csrf, decision: 'approve', scope: [ENCOUNTER_DIAGNOSIS, 'patient/Observation.cruds'] });
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const token = await postToken(server, { grant_type: 'authorization_code', code, redirect_uri: GROWTH_CHART_REDIRECT, code_verifier: verifier },
      { authorization: basic('growth-chart', SECRETS['growth-chart']) });
    expect(((await token.json()) as { scope: string }).scope).toBe(`launch ${ENCOUNTER_DIAGNOSIS}`);
  });

  it('tells a patient user the record is theirs, not "the patient you selected"', async () => {
    const { html } = await consentPage({ client_id: 'sample-app', redirect_uri: sampleAppRedirect(server), scope: 'launch/patient openid patient/Condition.rs' },
      { username: 'amy', password: 'amy-demo' });
    const root = parse(html);
    expect(root.text).not.toMatch(/you selected/);
    expect(root.text).toMatch(/you are the patient/);
    expect(root.querySelector('#signed-in')?.text).toMatch(/amy/);
  });
});
