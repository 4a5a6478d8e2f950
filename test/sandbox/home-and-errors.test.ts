import { request } from 'node:http';
import { parse } from 'node-html-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkce } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// The home page, HTML error pages for browsers (JSON for API clients), and one origin for the
// browser whether it opened localhost or 127.0.0.1. Not storage behaviour: PGlite only.

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** A raw request with a chosen Host header (fetch cannot set one). */
function rawGet(server: TestServer, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
    const url = new URL(server.baseUrl);
    const req = request({ host: url.hostname, port: url.port, path, headers }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('home page and error pages', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('serves a home page for browsers with the issuer, the FHIR base and links to the launcher, sample app, discovery and docs', async () => {
    const res = await fetch(`${server.baseUrl}/`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const root = parse(await res.text());
    expect(root.querySelector('#issuer')?.text).toBe(server.config.issuer);
    expect(root.querySelector('#fhir-base')?.text).toBe(server.config.fhirBaseUrl);
    const hrefs = root.querySelectorAll('a').map((a) => a.getAttribute('href'));
    expect(hrefs).toEqual(expect.arrayContaining(['/launcher', '/sample-app/', '/README.md', '/.well-known/openid-configuration']));
    for (const href of ['/launcher', '/sample-app/', '/README.md', '/.well-known/smart-configuration'])
      expect((await fetch(`${server.baseUrl}${href}`)).status, href).toBe(200);
  });

  it('describes itself as JSON for Accept: application/json', async () => {
    const res = await fetch(`${server.baseUrl}/`, { headers: { accept: 'application/json' } });
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toMatchObject({
      service: 'smart-launch',
      issuer: server.config.issuer,
      fhirBaseUrl: server.config.fhirBaseUrl,
      launcher: true,
      links: { launcher: `${server.config.issuer}/launcher`, sampleApp: `${server.config.issuer}/sample-app/` },
    });
  });

  it('answers an unknown path with a 404 page for a browser and OAuth JSON for an API client', async () => {
    const page = await fetch(`${server.baseUrl}/no/such/page`, { headers: { accept: BROWSER_ACCEPT } });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const root = parse(await page.text());
    expect(root.querySelector('#error-code')?.text).toBe('not_found');
    expect(root.querySelector('#error-description')?.text).toContain('/no/such/page');

    const api = await fetch(`${server.baseUrl}/no/such/page`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: 'not_found' });
  });

  it('gives a browser an HTML error page at an API endpoint too, and curl keeps the JSON', async () => {
    const page = await fetch(`${server.baseUrl}/token`, { method: 'POST', headers: { accept: BROWSER_ACCEPT } });
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const api = await fetch(`${server.baseUrl}/token`, { method: 'POST', headers: { accept: '*/*' } });
    expect(api.status).toBe(400);
    expect(await api.json()).toMatchObject({ error: expect.any(String) });
  });

  it('names the unknown client and where clients are registered', async () => {
    const params = new URLSearchParams({ client_id: 'no-such-app', redirect_uri: 'https://x.example/cb', response_type: 'code' });
    const res = await fetch(`${server.baseUrl}/authorize?${params}`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(400);
    const text = parse(await res.text()).querySelector('#error-description')!.text;
    expect(text).toContain('"no-such-app"');
    expect(text).toContain('smart-config/clients.json');
  });

  it('names the unregistered redirect_uri, the client, what is registered and where to add it', async () => {
    const { challenge } = pkce();
    const wrong = server.baseUrl.replace('127.0.0.1', 'localhost') + '/elsewhere/';
    const params = new URLSearchParams({ client_id: 'sample-app', redirect_uri: wrong, code_challenge: challenge });
    const text = parse(await (await fetch(`${server.baseUrl}/authorize?${params}`)).text()).querySelector('#error-description')!.text;
    expect(text).toContain(wrong);
    expect(text).toContain(`${server.config.issuer}/sample-app/`);
    expect(text).toContain('redirectUris in smart-config/clients.json');
  });

  it('sends a browser that opened another loopback name of the issuer to the issuer, keeping the path', async () => {
    const port = new URL(server.baseUrl).port;
    for (const host of [`localhost:${port}`, `[::1]:${port}`]) {
      const res = await rawGet(server, '/sample-app/?x=1', { host, accept: BROWSER_ACCEPT });
      expect(res.status, host).toBe(302);
      expect(res.location).toBe(`${server.config.issuer}/sample-app/?x=1`);
    }
    // API calls are answered where they arrive; so is any other port or host.
    expect((await rawGet(server, '/jwks', { host: `localhost:${port}`, accept: 'application/json' })).status).toBe(200);
    expect((await rawGet(server, '/sample-app/', { host: `localhost:1`, accept: BROWSER_ACCEPT })).status).toBe(200);
    expect((await rawGet(server, '/sample-app/', { host: `127.0.0.1:${port}`, accept: BROWSER_ACCEPT })).status).toBe(200);
  });
});
