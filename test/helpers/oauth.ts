import { createHash, randomBytes } from 'node:crypto';
import { TestBrowser, readForm } from './browser.ts';
import type { TestServer } from './server.ts';

export const SECRETS = {
  'growth-chart': 'DEMO-ONLY-growth-chart-secret-2f9c1d7e5a3b48c6',
  'ehr-integrator': 'DEMO-ONLY-ehr-integrator-secret-8b1e4f2a9c7d0653',
  'fhir-server': 'DEMO-ONLY-fhir-server-secret-5d3a7c9e1b2f4086',
  admin: 'DEMO-ONLY-admin-secret-6c1f8e2d9a4b7053e1d2',
} as const;

export const GROWTH_CHART_REDIRECT = 'https://growth-chart.example.org/callback';
/** The sample app's redirect URI: `{issuer}/sample-app/` in smart-config/clients.json. */
export const sampleAppRedirect = (server: { config: { issuer: string } }) => `${server.config.issuer}/sample-app/`;

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** POST /launches as the demo EHR integrator. */
export async function registerLaunch(server: TestServer, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${server.baseUrl}/launches`, {
    method: 'POST',
    headers: { authorization: basic('ehr-integrator', SECRETS['ehr-integrator']), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export async function newLaunch(server: TestServer, body: Record<string, unknown>): Promise<string> {
  const res = await registerLaunch(server, body);
  if (res.status !== 201) throw new Error(`launch registration failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { launch: string }).launch;
}

export interface AuthorizeParams {
  client_id: string;
  redirect_uri: string;
  scope: string;
  state?: string;
  aud?: string;
  launch?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  nonce?: string;
  response_type?: string;
}

export function authorizeUrl(server: TestServer, params: AuthorizeParams): string {
  const url = new URL('/authorize', server.baseUrl);
  const all = { response_type: 'code', aud: server.config.fhirBaseUrl, code_challenge_method: 'S256', ...params };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

/**
 * Drives /authorize through the pages to the redirect back to the app:
 * signs in when asked (with `login`), approves consent (unticking `untick`).
 */
export async function authorize(
  server: TestServer,
  params: AuthorizeParams,
  options: { browser?: TestBrowser; login?: { username: string; password: string }; untick?: string[]; deny?: boolean } = {},
): Promise<{ redirect: URL; browser: TestBrowser; verifier: string }> {
  const browser = options.browser ?? new TestBrowser(server.baseUrl);
  const { verifier, challenge } = pkce();
  const follow = (res: Response) => browser.follow(res, params.redirect_uri);
  let step = await follow(await browser.get(authorizeUrl(server, { state: 'st-' + randomBytes(4).toString('hex'), code_challenge: challenge, ...params })));
  for (let i = 0; i < 6 && !step.leftTo; i++) {
    const path = new URL(step.url).pathname;
    const page = await step.res.text();
    if (step.res.status !== 200) throw new Error(`unexpected ${step.res.status} at ${path}: ${page.slice(0, 300)}`);
    const form = readForm(page);
    if (path === '/login') {
      if (!options.login) throw new Error('sign-in requested but no login given');
      step = await follow(await browser.post(form.action, { ...form.fields, ...options.login }));
    } else if (path === '/consent') {
      const kept = [form.fields.scope ?? []].flat().filter((s) => !options.untick?.includes(s));
      step = await follow(
        await browser.post(form.action, { ...form.fields, scope: kept, decision: options.deny ? 'deny' : 'approve' }),
      );
    } else {
      throw new Error(`no automatic step for ${path}`);
    }
  }
  if (!step.leftTo) throw new Error('the flow did not return to the app');
  return { redirect: new URL(step.leftTo), browser, verifier };
}

export async function postToken(server: TestServer, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

/** Decodes a JWT payload without verifying (tests verify separately against /jwks). */
export function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}
