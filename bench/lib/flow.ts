import { createHash, randomBytes } from 'node:crypto';
import { parse } from 'node-html-parser';
import { basic, form, FORM } from './fixtures.ts';

/** The demo EHR launch the bench drives: growth-chart, Amy Shaw (p001), Dr Carter, offline access. */
export const APP = { clientId: 'growth-chart', redirectUri: 'https://growth-chart.example.org/callback', scope: 'launch openid fhirUser patient/*.rs offline_access' };
const LOGIN = { username: 'dr.carter', password: 'carter-demo' };

/**
 * A minimal user agent for the server-rendered pages: a cookie jar, same-origin
 * redirects followed by hand, the first form of a page read and submitted as a
 * browser would (hidden fields, ticked boxes). No browser: the pages' scripts are
 * not needed to sign in or consent.
 */
class Agent {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly baseUrl: string) {}

  async request(method: 'GET' | 'POST', url: string, body?: URLSearchParams): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body) headers['content-type'] = FORM;
    const res = await fetch(new URL(url, this.baseUrl), { method, headers, body: body?.toString(), redirect: 'manual' });
    for (const cookie of res.headers.getSetCookie()) {
      const pair = cookie.split(';')[0]!;
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return res;
  }

  /** Follows redirects on this server; returns the page reached, or the redirect that leaves (to the app). */
  async follow(res: Response, url: string): Promise<{ res: Response; url: string; leftTo?: URL }> {
    for (let hops = 0; hops < 10; hops++) {
      if (res.status < 300 || res.status >= 400) return { res, url };
      const location = new URL(res.headers.get('location')!, url);
      if (location.origin !== new URL(this.baseUrl).origin) {
        await res.arrayBuffer();
        return { res, url, leftTo: location };
      }
      await res.arrayBuffer();
      url = location.toString();
      res = await this.request('GET', url);
    }
    throw new Error('too many redirects');
  }
}

function firstForm(html: string): { action: string; fields: URLSearchParams } {
  const formElement = parse(html).querySelector('form');
  if (!formElement) throw new Error(`no form in page: ${html.slice(0, 300)}`);
  const fields = new URLSearchParams();
  for (const input of formElement.querySelectorAll('input')) {
    const name = input.getAttribute('name');
    const type = (input.getAttribute('type') ?? 'text').toLowerCase();
    if (!name || type === 'submit') continue;
    if ((type === 'checkbox' || type === 'radio') && !input.hasAttribute('checked')) continue;
    fields.append(name, input.getAttribute('value') ?? '');
  }
  return { action: formElement.getAttribute('action') ?? '', fields };
}

export interface Code {
  code: string;
  verifier: string;
}

/**
 * One EHR launch up to the code, through the real pages: POST /launches as
 * the EHR, then authorizeToCode with its `launch`.
 */
export async function launchToCode(baseUrl: string, fhirBaseUrl: string): Promise<Code> {
  const registered = await fetch(`${baseUrl}/launches`, {
    method: 'POST',
    headers: { authorization: basic('ehr-integrator'), 'content-type': 'application/json' },
    body: JSON.stringify({ patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: APP.clientId }),
  });
  if (registered.status !== 201) throw new Error(`launch registration answered ${registered.status}: ${await registered.text()}`);
  const { launch } = (await registered.json()) as { launch: string };
  return authorizeToCode(baseUrl, fhirBaseUrl, { scope: APP.scope, launch });
}

/**
 * The app's GET /authorize (growth-chart, PKCE S256) up to the code, through
 * the real pages: sign in as Dr Carter if asked, approve consent with what
 * the page proposes. Without `launch`, a standalone launch.
 */
export async function authorizeToCode(baseUrl: string, fhirBaseUrl: string, request: { scope: string; launch?: string }): Promise<Code> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const authorize = new URL('/authorize', baseUrl);
  const params = { response_type: 'code', client_id: APP.clientId, redirect_uri: APP.redirectUri, state: randomBytes(8).toString('hex'), aud: fhirBaseUrl, ...request, code_challenge: challenge, code_challenge_method: 'S256' };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) authorize.searchParams.set(k, v);

  const agent = new Agent(baseUrl);
  let step = await agent.follow(await agent.request('GET', authorize.toString()), authorize.toString());
  for (let pages = 0; !step.leftTo; pages++) {
    const html = await step.res.text();
    if (step.res.status !== 200 || pages > 4) throw new Error(`the flow stopped at ${new URL(step.url).pathname} (${step.res.status}): ${html.slice(0, 300)}`);
    const { action, fields } = firstForm(html);
    if (fields.has('username')) {
      fields.set('username', LOGIN.username);
      fields.set('password', LOGIN.password);
    }
    if (!fields.has('decision') && new URL(step.url).pathname.includes('consent')) fields.set('decision', 'approve');
    const target = new URL(action || step.url, step.url).toString();
    step = await agent.follow(await agent.request('POST', target, fields), target);
  }
  const code = step.leftTo.searchParams.get('code');
  if (!code) throw new Error(`back at the app without a code: ${step.leftTo.searchParams.get('error')} ${step.leftTo.searchParams.get('error_description')}`);
  return { code, verifier };
}

/** The token request that redeems a code (growth-chart authenticates with Basic). */
export const codeRedemption = (code: Code): string => form({ grant_type: 'authorization_code', code: code.code, redirect_uri: APP.redirectUri, code_verifier: code.verifier });

export const appAuthorization = (): string => basic(APP.clientId);

/** A whole EHR launch: to the code, then the token response. */
export async function fullLaunch(baseUrl: string, fhirBaseUrl: string): Promise<Record<string, unknown>> {
  const code = await launchToCode(baseUrl, fhirBaseUrl);
  const res = await fetch(`${baseUrl}/token`, { method: 'POST', headers: { 'content-type': FORM, authorization: appAuthorization() }, body: codeRedemption(code) });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200 || typeof json.access_token !== 'string') throw new Error(`code redemption answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}
