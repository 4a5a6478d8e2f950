import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultSmartStyleUrl } from '../../src/style/index.ts';
import { GROWTH_CHART_REDIRECT, sampleAppRedirect, SECRETS, authorize, basic, newLaunch, postToken } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Whole flows through the pages: generous on a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

describe('the default SMART style document', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  }, 180_000); // starting the service is slow on a loaded machine
  afterAll(async () => {
    await server?.close();
  });

  async function tokenResponse(params: { client_id: string; redirect_uri: string; scope: string; launch?: string }, login?: { username: string; password: string }) {
    const { redirect, verifier } = await authorize(server, params, login ? { login } : {});
    const auth: Record<string, string> = params.client_id === 'growth-chart' ? { authorization: basic('growth-chart', SECRETS['growth-chart']) } : {};
    const res = await postToken(server, {
      grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: params.redirect_uri, code_verifier: verifier,
      ...(auth.authorization ? {} : { client_id: params.client_id }),
    }, auth);
    return (await res.json()) as Record<string, unknown>;
  }

  it('is hosted at a versioned URL, for any origin, with SMART style properties', async () => {
    const url = defaultSmartStyleUrl(server.config);
    expect(url).toMatch(new RegExp(`^${server.config.issuer}/smart-style/[A-Za-z0-9_-]+\\.json$`));
    const res = await fetch(url, { headers: { origin: 'https://app.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toMatch(/immutable/);
    const style = (await res.json()) as Record<string, string>;
    for (const property of ['color_background', 'color_highlight', 'color_text', 'font_family_body']) expect(style[property], property).toEqual(expect.any(String));
    const latest = await fetch(`${server.baseUrl}/smart-style.json`, { redirect: 'manual' });
    expect(new URL(latest.headers.get('location')!, server.baseUrl).href).toBe(url);
  });

  it('goes to every EHR launch registered without its own smart_style_url, and an EHR style wins', async () => {
    const scope = 'launch patient/*.rs';
    const plain = await tokenResponse({ client_id: 'growth-chart', redirect_uri: GROWTH_CHART_REDIRECT, scope, launch: await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001' }) });
    expect(plain.smart_style_url).toBe(defaultSmartStyleUrl(server.config));
    const own = await tokenResponse({ client_id: 'growth-chart', redirect_uri: GROWTH_CHART_REDIRECT, scope,
      launch: await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', smart_style_url: 'https://ehr.example.org/style-v7.json' }) });
    expect(own.smart_style_url).toBe('https://ehr.example.org/style-v7.json');
  });

  it('goes to standalone launches too, with a patient banner (the app runs outside the EHR)', async () => {
    const body = await tokenResponse({ client_id: 'sample-app', redirect_uri: sampleAppRedirect(server), scope: 'launch/patient patient/*.rs' }, { username: 'amy', password: 'amy-demo' });
    expect(body).toMatchObject({ patient: 'p001', need_patient_banner: true, smart_style_url: defaultSmartStyleUrl(server.config) });
  });
});
