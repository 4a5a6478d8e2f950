import { expect } from 'vitest';
import type { TestBrowser } from '../helpers/browser.ts';
import {
  GROWTH_CHART_REDIRECT,
  sampleAppRedirect,
  SECRETS,
  authorize,
  basic,
  newLaunch,
  postToken,
} from '../helpers/oauth.ts';
import type { TestServer } from '../helpers/server.ts';
import { growthChartAuth } from './launch-support.ts';

/**
 * Shared pieces of the refresh, introspection and revocation HTTP tests.
 * Not a test file itself.
 */

export type Json = Record<string, unknown>;

export { expectOAuthError, growthChartAuth, refuseServerErrors } from './launch-support.ts';
export const fhirServerAuth = () => ({ authorization: basic('fhir-server', SECRETS['fhir-server']) });

export interface LaunchOptions {
  client?: 'growth-chart' | 'sample-app';
  scope?: string;
  /** Overrides of the registered launch; `fhirUser: undefined` makes the user sign in. */
  launch?: Json;
  login?: { username: string; password: string };
}

/**
 * An EHR launch (Amy Shaw, p001, encounter e001, by Dr Carter) through consent
 * and the code exchange. Returns the token response and the browser (which
 * holds the sign-in session cookie when `login` was used).
 */
export async function launchTokens(server: TestServer, options: LaunchOptions = {}): Promise<{ tokens: Json; browser: TestBrowser }> {
  const client = options.client ?? 'growth-chart';
  const redirectUri = client === 'growth-chart' ? GROWTH_CHART_REDIRECT : sampleAppRedirect(server);
  const registration: Json = { patient: 'p001', encounter: 'e001', fhirUser: 'Practitioner/pr001', client_id: client, ...options.launch };
  for (const [k, v] of Object.entries(registration)) if (v === undefined) delete registration[k];
  const launch = await newLaunch(server, registration);
  const { redirect, verifier, browser } = await authorize(
    server,
    { client_id: client, redirect_uri: redirectUri, scope: options.scope ?? 'launch openid fhirUser offline_access patient/*.rs', launch },
    options.login ? { login: options.login } : {},
  );
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirect.toString()}`);
  const form = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier };
  const res =
    client === 'growth-chart'
      ? await postToken(server, form, growthChartAuth())
      : await postToken(server, { ...form, client_id: client });
  if (res.status !== 200) throw new Error(`code exchange failed: ${res.status} ${await res.text()}`);
  return { tokens: (await res.json()) as Json, browser };
}

export function refresh(server: TestServer, form: Record<string, string>, headers: Record<string, string> = growthChartAuth()) {
  return postToken(server, { grant_type: 'refresh_token', ...form }, headers);
}

export async function introspect(server: TestServer, form: Record<string, string>, headers: Record<string, string> = fhirServerAuth()) {
  return fetch(`${server.baseUrl}/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

/** Introspects as the demo resource server and returns the JSON answer (expects 200). */
export async function introspection(server: TestServer, token: unknown): Promise<Json> {
  const res = await introspect(server, { token: String(token) });
  expect(res.status).toBe(200);
  return (await res.json()) as Json;
}

export async function revoke(server: TestServer, form: Record<string, string>, headers: Record<string, string> = growthChartAuth()) {
  return fetch(`${server.baseUrl}/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

/** The audit events of one kind, newest last. */
export async function auditEvents(server: TestServer, event: string) {
  return server.deps.db.selectFrom('audit_events').selectAll().where('event', '=', event).orderBy('id').execute();
}
