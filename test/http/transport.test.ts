import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { authorize, GROWTH_CHART_REDIRECT } from '../helpers/oauth.ts';

describe('cookies, HSTS and sign-out', () => {
  let http: TestServer;
  let https: TestServer;
  beforeAll(async () => {
    [http, https] = await Promise.all([startTestServer('pglite'), startTestServer('pglite', { env: { ISSUER: 'https://auth.example.org' } })]);
  });
  afterAll(async () => {
    await Promise.all([http?.close(), https?.close()]);
  });

  it('sends HSTS and Secure cookies only when the issuer is https', async () => {
    const authorizeUrl = (s: TestServer) =>
      `${s.baseUrl}/authorize?response_type=code&client_id=growth-chart&redirect_uri=${encodeURIComponent(GROWTH_CHART_REDIRECT)}&scope=openid&state=s&aud=${encodeURIComponent(s.config.fhirBaseUrl)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`;
    const plain = await fetch(authorizeUrl(http), { redirect: 'manual' });
    expect(plain.headers.get('strict-transport-security')).toBeNull();
    expect(plain.headers.getSetCookie().join('\n')).not.toMatch(/;\s*Secure/i);
    const secure = await fetch(authorizeUrl(https), { redirect: 'manual' });
    expect(secure.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    const cookies = secure.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).toMatch(/;\s*Secure/i);
  });

  it('refuses a cross-site POST /logout and keeps the session; a same-origin one signs out', async () => {
    const { browser } = await authorize(
      http,
      { client_id: 'growth-chart', redirect_uri: GROWTH_CHART_REDIRECT, scope: 'openid fhirUser user/Patient.rs' },
      { login: { username: 'dr.carter', password: 'carter-demo' } },
    );
    const session = browser.cookies.get('smart_launch_session');
    expect(session).toBeTruthy();
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, {}]) {
      const res = await fetch(`${http.baseUrl}/logout`, { method: 'POST', headers: { cookie: `smart_launch_session=${session}`, ...headers } });
      expect(res.status).toBe(403);
    }
    const live = () => http.deps.db.selectFrom('sessions').select('id_hash').where('ended_at', 'is', null).execute();
    expect(await live()).toHaveLength(1);
    const out = await browser.post('/logout', {});
    expect(out.status).toBe(200);
    expect(browser.cookies.has('smart_launch_session')).toBe(false);
    expect(await live()).toHaveLength(0);
  });
});
