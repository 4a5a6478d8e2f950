import { parse } from 'node-html-parser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestBrowser, readForm } from '../helpers/browser.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { expectOAuthError, introspection, launchTokens, refresh, refuseServerErrors } from './token-lifecycle-support.ts';

const CARTER = { username: 'dr.carter', password: 'carter-demo' };
const LEE = { username: 'nurse.lee', password: 'lee-demo' };

/** An EHR launch that names no user, so the user signs in here and the browser holds the session. */
const signedInLaunch = (server: TestServer, login: typeof CARTER) => launchTokens(server, { launch: { fhirUser: undefined }, login });

describeEachDatabase('connected apps', (kind) => {
  refuseServerErrors();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  const appsPage = async (browser: TestBrowser) => {
    const res = await browser.get(`${server.baseUrl}/account/apps`);
    return { status: res.status, text: await res.text() };
  };
  const revokeForm = (text: string, grantId?: string) =>
    readForm(text, grantId ? `section[data-grant="${grantId}"] form` : 'section.connected-app form');
  const fhirRead = (token: unknown) =>
    fetch(`${server.config.fhirBaseUrl}/Patient/p001`, { headers: { authorization: `Bearer ${String(token)}` } });

  it('needs a sign-in session', async () => {
    const { status, text } = await appsPage(new TestBrowser(server.baseUrl));
    expect(status).toBe(401);
    expect(text).toContain('not signed in');
    const post = await new TestBrowser(server.baseUrl).post(`${server.baseUrl}/account/apps/revoke`, { csrf: 'x', grant: 'y' });
    expect(post.status).toBe(401);
  });

  it('lists the app with its scopes in plain words, patient, last use and access kind', async () => {
    const { browser } = await signedInLaunch(server, CARTER);
    const { status, text } = await appsPage(browser);
    expect(status).toBe(200);
    const section = parse(text).querySelector('section.connected-app')!;
    expect(section.querySelector('h2')!.text).toBe('Growth Chart');
    expect(section.text).toContain('Patient: Amy Shaw');
    expect(section.text).toContain('Keeps access after you close it, until you revoke it');
    expect(section.text).toContain('last used');
    expect(section.querySelectorAll('li').map((li) => li.text)).toContain('Know who you are (sign-in)');
  });

  it('revokes an app: its refresh token fails and its access token stops working at once', async () => {
    const { browser, tokens } = await signedInLaunch(server, CARTER);
    const grantId = String(tokens.access_token && (await introspection(server, tokens.access_token)).jti).split('.')[0]!;
    const page = await appsPage(browser);
    const form = revokeForm(page.text, grantId);

    // A forged post (no CSRF token, or another's) changes nothing.
    const forged = await browser.post(`${server.baseUrl}${form.action}`, { grant: grantId, csrf: 'forged' });
    expect(forged.status).toBe(400);
    expect((await introspection(server, tokens.access_token)).active).toBe(true);

    // Another signed-in user cannot revoke this grant with their own valid form token.
    const lee = (await signedInLaunch(server, LEE)).browser;
    const leeForm = revokeForm((await appsPage(lee)).text);
    const stranger = await lee.post(`${server.baseUrl}${leeForm.action}`, { ...leeForm.fields, grant: grantId });
    expect(stranger.status).toBe(400);
    expect((await introspection(server, tokens.access_token)).active).toBe(true);

    const { res, url } = await browser.follow(await browser.post(`${server.baseUrl}${form.action}`, form.fields));
    expect({ status: res.status, path: new URL(url).pathname }).toEqual({ status: 200, path: '/account/apps' });
    const after = await res.text();
    expect(after).toContain('Access revoked');
    expect(parse(after).querySelector(`section[data-grant="${grantId}"]`)).toBeNull();

    expect(await introspection(server, tokens.access_token)).toEqual({ active: false });
    await expectOAuthError(await refresh(server, { refresh_token: String(tokens.refresh_token) }), 400, 'invalid_grant');
    expect((await fhirRead(tokens.access_token)).status).toBe(401);
    // Revoking twice finds nothing to revoke.
    expect((await browser.post(`${server.baseUrl}${form.action}`, form.fields)).status).toBe(400);
  });
});
