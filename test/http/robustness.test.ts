import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, SECRETS } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** Malformed, repeated, oversized and misplaced input on every endpoint: an error answer, never a 500 or a stack. */
describe('robustness', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers every malformed request with a 4xx, never a 5xx or a stack trace', async () => {
    const u = (p: string) => server.baseUrl + p;
    const big = 'x'.repeat(2_000_000);
    const cases: Array<[string, string, RequestInit]> = [];
    const form = (body: string, headers: Record<string, string> = {}) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    for (const path of ['/token', '/introspect', '/revoke', '/authorize', '/login', '/consent', '/select-patient', '/select-encounter', '/launcher', '/logout', '/userinfo', '/account/apps', '/account/apps/revoke', '/metrics']) {
      cases.push([path, 'empty form', form('')]);
      cases.push([path, 'repeated', form('grant_type=a&grant_type=b&token=a&token=b&client_id=x&client_id=y')]);
      cases.push([path, 'huge', form('token=' + big)]);
      cases.push([path, 'bad json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{bad' }]);
      cases.push([path, 'nested', form('a[b][c]=1&token[x]=1')]);
      cases.push([path, 'bad basic', form('token=a', { authorization: 'Basic !!!' })]);
      cases.push([path, 'basic no colon', form('token=a', { authorization: 'Basic ' + Buffer.from('abc').toString('base64') })]);
      cases.push([path, 'bad percent', form('token=%E0%A4%A&grant_type=%ZZ')]);
      cases.push([path, 'GET with junk', { method: 'GET' }]);
      cases.push([path, 'PUT', { method: 'PUT' }]);
      cases.push([path, 'bad cookie', { method: 'GET', headers: { cookie: 'smart_launch_interaction=%ZZ; smart_launch_session=' + 'a'.repeat(5000) } }]);
    }
    cases.push(['/launches', 'huge json', { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic('ehr-integrator', SECRETS['ehr-integrator']) }, body: JSON.stringify({ extra: { a: big } }) }]);
    cases.push(['/launches', 'array json', { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic('ehr-integrator', SECRETS['ehr-integrator']) }, body: '[1,2]' }]);
    cases.push(['/launches', 'null json', { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic('ehr-integrator', SECRETS['ehr-integrator']) }, body: 'null' }]);
    cases.push(['/launches', 'proto', { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic('ehr-integrator', SECRETS['ehr-integrator']) }, body: '{"__proto__":{"x":1},"patient":"p001"}' }]);
    cases.push(['/launches/%ZZ', 'bad path', { method: 'GET', headers: { authorization: basic('ehr-integrator', SECRETS['ehr-integrator']) } }]);
    cases.push(['/launches/' + 'a'.repeat(10000), 'long path', { method: 'DELETE', headers: { authorization: basic('ehr-integrator', SECRETS['ehr-integrator']) } }]);
    cases.push(['/authorize?client_id=sample-app&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fsample-app%2F&state=s&scope=' + encodeURIComponent('patient/Observation.rs?' + 'a=b&'.repeat(2000)) + '&aud=x&code_challenge=x&code_challenge_method=S256&response_type=code', 'huge scope', { method: 'GET' }]);
    cases.push(['/authorize?client_id=sample-app&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fsample-app%2F&state[a]=1', 'object state', { method: 'GET' }]);
    cases.push(['/select-patient?q[a]=1&page=-5', 'picker junk', { method: 'GET' }]);
    cases.push(['/token', 'assertion junk', form('grant_type=client_credentials&scope=system/Patient.rs&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer&client_assertion=a.b.c')]);
    cases.push(['/token', 'assertion huge', form('grant_type=client_credentials&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer&client_assertion=' + 'e30.'.repeat(10000))]);
    cases.push(['/userinfo', 'bearer junk', { method: 'GET', headers: { authorization: 'Bearer ' + 'a.'.repeat(5000) } }]);
    cases.push(['/introspect', 'bearer junk', form('token=x', { authorization: 'Bearer a.b.c' })]);
    const failures: string[] = [];
    for (const [path, name, init] of cases) {
      const res = await fetch(u(path), { redirect: 'manual', ...init });
      const text = await res.text();
      if (res.status >= 500 || /at .*\.ts:\d+|node_modules/.test(text)) failures.push(`${res.status} ${path.slice(0, 60)} (${name})`);
    }
    expect(cases.length).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  }, 120_000);
});
