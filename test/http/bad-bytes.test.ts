import { request } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.ts';
import { basic, SECRETS } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** Sends raw bytes (fetch would re-encode them), returns status and body. */
function raw(server: TestServer, method: string, path: string, headers: Record<string, string>, body?: Buffer) {
  return new Promise<{ status: number; json: { error?: string } }>((resolve, reject) => {
    const url = new URL(server.baseUrl);
    const req = request({ host: url.hostname, port: url.port, method, path, headers, insecureHTTPParser: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += String(c)));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text || '{}') as { error?: string } }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const json = { 'content-type': 'application/json', authorization: basic('ehr-integrator', SECRETS['ehr-integrator']) };
const introspector = { ...form, authorization: basic('fhir-server', SECRETS['fhir-server']) };

describeEachDatabase('NUL and invalid UTF-8 are a 400 at the edge', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  const cases: Array<[string, string, string, Record<string, string>, Buffer | undefined]> = [
    ['NUL in client_id at /authorize', 'GET', '/authorize?response_type=code&client_id=sample%00app', {}, undefined],
    ['invalid UTF-8 in the query', 'GET', '/authorize?client_id=%FF%FE', {}, undefined],
    ['NUL in client_id at /token', 'POST', '/token', form, Buffer.from('grant_type=authorization_code&client_id=sample-app%00&code=x')],
    ['raw invalid UTF-8 in a form', 'POST', '/token', form, Buffer.concat([Buffer.from('grant_type=refresh_token&refresh_token='), Buffer.from([0xc3, 0x28])])],
    ['NUL in the Basic user id at /introspect', 'POST', '/introspect', { ...form, authorization: basic('fhir-server\0', 'x') }, Buffer.from('token=a')],
    ['invalid UTF-8 in Basic credentials', 'POST', '/introspect', { ...form, authorization: 'Basic ' + Buffer.from([0x66, 0xff, 0x3a, 0x61]).toString('base64') }, Buffer.from('token=a')],
    ['NUL in a token at /introspect', 'POST', '/introspect', introspector, Buffer.from('token=abc%00')],
    ['NUL in a JSON body', 'POST', '/launches', json, Buffer.from('{"patient":"p001\\u0000"}')],
    ['a lone surrogate in a JSON body', 'POST', '/launches', json, Buffer.from('{"patient":"\\ud800"}')],
    ['raw invalid UTF-8 in a JSON key', 'POST', '/launches', json, Buffer.concat([Buffer.from('{"'), Buffer.from([0xff]), Buffer.from('":1}')])],
    ['NUL in the path', 'GET', '/launches/abc%00', json, undefined],
    ['NUL in a cookie', 'GET', '/login', { cookie: 'smart_launch_interaction=abc%00' }, undefined],
  ];
  it.each(cases)('%s', async (_name, method, path, headers, body) => {
    const res = await raw(server, method, path, headers, body);
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_request');
  });

  it('lets clean non-ASCII text through', async () => {
    const res = await raw(server, 'POST', '/launches', json, Buffer.from(JSON.stringify({ patient: 'p001', extra: { note: 'Grüße, 日本' } })));
    expect(res.status).not.toBe(400);
  });
});
