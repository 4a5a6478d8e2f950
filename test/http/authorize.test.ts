import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestBrowser, readForm } from '../helpers/browser.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import {
  GROWTH_CHART_REDIRECT,
  sampleAppRedirect,
  authorizeUrl,
  newLaunch,
  pkce,
  type AuthorizeParams,
} from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { growthChartParams, redeemGrowthChartCode, refuseServerErrors } from './launch-support.ts';

refuseServerErrors();

describeEachDatabase('Authorization request', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  const launchFor = (client = 'growth-chart', extra: Record<string, unknown> = {}) =>
    newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: client, ...extra });

  /** GET /authorize with exactly these parameters (no defaults), without following redirects. */
  const rawAuthorize = (query: string) => fetch(`${server.baseUrl}/authorize?${query}`, { redirect: 'manual' });

  /** The first answer to an authorization request built with the test defaults (S256 challenge, aud, state). */
  const firstAnswer = async (params: Partial<AuthorizeParams> & Record<string, string | undefined>) => {
    const { challenge } = pkce();
    const url = authorizeUrl(server, { state: 'st-1', code_challenge: challenge, ...(params as AuthorizeParams) });
    return fetch(url, { redirect: 'manual' });
  };

  /** The app's redirect_uri received this error, with the given state. */
  const expectRedirectedError = (res: Response, error: string, state: string | null, redirectUri = GROWTH_CHART_REDIRECT) => {
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('state')).toBe(state);
    expect(location.searchParams.has('code')).toBe(false);
  };

  /** An error page for the user: no redirect anywhere. */
  const expectErrorPage = async (res: Response) => {
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    await res.text();
  };

  it('refuses a request without PKCE, redirecting invalid_request with the same state', async () => {
    const launch = await launchFor();
    expectRedirectedError(await firstAnswer({ ...growthChartParams(launch), code_challenge: undefined, state: 'no-pkce' }), 'invalid_request', 'no-pkce');
    expectRedirectedError(
      await firstAnswer({ ...growthChartParams(launch), code_challenge_method: undefined, state: 'no-method' }),
      'invalid_request',
      'no-method',
    );
  });

  it('refuses the plain PKCE method', async () => {
    const launch = await launchFor();
    const { verifier } = pkce();
    const res = await firstAnswer({ ...growthChartParams(launch), code_challenge: verifier, code_challenge_method: 'plain', state: 'plain' });
    expectRedirectedError(res, 'invalid_request', 'plain');
  });

  it('refuses an aud that is not a FHIR server it serves', async () => {
    const launch = await launchFor();
    const res = await firstAnswer({ ...growthChartParams(launch), aud: 'https://other-fhir.example.org/fhir', state: 'aud' });
    expectRedirectedError(res, 'invalid_request', 'aud');
  });

  it('shows an error page, and never redirects, for a redirect_uri not registered for the client', async () => {
    const launch = await launchFor();
    await expectErrorPage(await firstAnswer({ ...growthChartParams(launch), redirect_uri: 'https://evil.example.org/callback' }));
    await expectErrorPage(await firstAnswer({ ...growthChartParams(launch), redirect_uri: `${GROWTH_CHART_REDIRECT}/` }));
  });

  it('shows an error page, and never redirects, for an unknown client', async () => {
    await expectErrorPage(await firstAnswer({ ...growthChartParams(await launchFor()), client_id: 'no-such-app' }));
    await expectErrorPage(await firstAnswer({ ...growthChartParams(await launchFor()), client_id: undefined }));
  });

  it('refuses a request without state', async () => {
    const res = await firstAnswer({ ...growthChartParams(await launchFor()), state: undefined });
    expectRedirectedError(res, 'invalid_request', null);
  });

  it('refuses an over-long state without echoing it', async () => {
    const res = await firstAnswer({ ...growthChartParams(await launchFor()), state: 's'.repeat(2049) });
    expectRedirectedError(res, 'invalid_request', null);
  });

  it('refuses response_type=token with unsupported_response_type', async () => {
    const res = await firstAnswer({ ...growthChartParams(await launchFor()), response_type: 'token', state: 'implicit' });
    expectRedirectedError(res, 'unsupported_response_type', 'implicit');
  });

  it('refuses an expired launch', async () => {
    const launch = await launchFor('growth-chart', { expires_in: 1 });
    await sleep(1200);
    expectRedirectedError(await firstAnswer({ ...growthChartParams(launch), state: 'expired' }), 'invalid_request', 'expired');
  });

  it('refuses a launch registered for another app', async () => {
    const launch = await launchFor('sample-app');
    expectRedirectedError(await firstAnswer({ ...growthChartParams(launch), state: 'other-app' }), 'invalid_request', 'other-app');
  });

  it('refuses an unknown launch', async () => {
    expectRedirectedError(await firstAnswer({ ...growthChartParams('not-a-launch'), state: 'unknown' }), 'invalid_request', 'unknown');
  });

  it('refuses a launch without the launch scope with invalid_scope', async () => {
    const res = await firstAnswer({ ...growthChartParams(await launchFor()), scope: 'openid fhirUser patient/*.rs', state: 'no-launch-scope' });
    expectRedirectedError(res, 'invalid_scope', 'no-launch-scope');
  });

  it('refuses a repeated parameter', async () => {
    const launch = await launchFor();
    const { challenge } = pkce();
    const base = new URL(authorizeUrl(server, { ...growthChartParams(launch), state: 'repeat', code_challenge: challenge })).searchParams;
    base.append('scope', 'patient/*.rs');
    expectRedirectedError(await rawAuthorize(base.toString()), 'invalid_request', 'repeat');

    const repeatedClient = new URLSearchParams(base);
    repeatedClient.delete('scope');
    repeatedClient.set('scope', 'launch');
    repeatedClient.append('client_id', 'growth-chart');
    await expectErrorPage(await rawAuthorize(repeatedClient.toString()));
  });

  it('accepts the authorization request by form POST (authorize-post), with a code that redeems like one from GET', async () => {
    const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'growth-chart' });
    const browser = new TestBrowser(server.baseUrl);
    const { verifier, challenge } = pkce();
    const params = new URL(authorizeUrl(server, { ...growthChartParams(launch), state: 'by-post', code_challenge: challenge })).searchParams;
    const consent = await browser.follow(await browser.post('/authorize', Object.fromEntries(params)));
    expect(new URL(consent.url).pathname).toBe('/consent');
    const form = readForm(await consent.res.text());
    const back = await browser.follow(await browser.post(form.action, { ...form.fields, decision: 'approve' }));
    const redirect = new URL(back.leftTo!);
    expect(redirect.searchParams.get('state')).toBe('by-post');
    const res = await redeemGrowthChartCode(server, redirect.searchParams.get('code')!, verifier);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ patient: 'p001', token_type: 'Bearer' });
  });

  it('redirects form-POST errors the same way as GET errors', async () => {
    const launch = await launchFor();
    const browser = new TestBrowser(server.baseUrl);
    const { verifier } = pkce();
    const params = new URL(authorizeUrl(server, { ...growthChartParams(launch), state: 'post-plain', code_challenge: verifier, code_challenge_method: 'plain' }))
      .searchParams;
    expectRedirectedError(await browser.post('/authorize', Object.fromEntries(params)), 'invalid_request', 'post-plain');
    const badRedirect = new URLSearchParams(params);
    badRedirect.set('redirect_uri', sampleAppRedirect(server));
    await expectErrorPage(await browser.post('/authorize', Object.fromEntries(badRedirect)));
  });
});
