// Tokens for the FHIR API tests, each got the way an app gets it (launch, sign-in, consent, /token).
import { expect } from 'vitest';
import { assertionForm, clientAssertion } from '../helpers/assertions.ts';
import { sampleAppRedirect, authorize, postToken } from '../helpers/oauth.ts';
import type { TestServer } from '../helpers/server.ts';
import { growthChartCode, redeemGrowthChartCode } from './launch-support.ts';

async function accessToken(res: Response): Promise<string> {
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token) throw new Error(`no token: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** An EHR launch of growth-chart for `patient` by Dr Carter. */
export async function ehrLaunchToken(server: TestServer, scope: string, patient = 'p001'): Promise<string> {
  const { code, verifier } = await growthChartCode(server, { scope, launch: { patient } });
  return accessToken(await redeemGrowthChartCode(server, code, verifier));
}

/** A standalone launch of the public sample app, signed in as `username`. */
export async function standaloneToken(server: TestServer, username: string, password: string, scope: string): Promise<string> {
  const { redirect, verifier } = await authorize(
    server,
    { client_id: 'sample-app', redirect_uri: sampleAppRedirect(server), scope },
    { login: { username, password } },
  );
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirect.toString()}`);
  return accessToken(
    await postToken(server, { grant_type: 'authorization_code', code, redirect_uri: sampleAppRedirect(server), code_verifier: verifier, client_id: 'sample-app' }),
  );
}

/** A SMART Backend Services token of bulk-exporter. */
export async function backendToken(server: TestServer, scope: string): Promise<string> {
  const assertion = await clientAssertion(server, 'bulk-exporter', 'bulk-exporter-es384-1');
  return accessToken(await postToken(server, { grant_type: 'client_credentials', scope, ...assertionForm(assertion) }));
}

export interface FhirClient {
  get(path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, any>; res: Response }>;
  send(method: string, path: string, body?: unknown, init?: RequestInit): Promise<{ status: number; body: Record<string, any>; res: Response }>;
}

/** Requests to the FHIR base with the token (none when undefined). */
export function fhirClient(server: TestServer, token: string | undefined): FhirClient {
  const send = async (method: string, path: string, body?: unknown, init: RequestInit = {}) => {
    const headers: Record<string, string> = { accept: 'application/fhir+json', ...(init.headers as Record<string, string>) };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/fhir+json';
    const res = await fetch(`${server.config.fhirBaseUrl}/${path}`, {
      ...init,
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, any>, res };
  };
  return { get: (path, init) => send('GET', path, undefined, init), send };
}

/** The ids of a search Bundle's entries of one type, sorted. */
export function idsOf(bundle: Record<string, any>, resourceType?: string): string[] {
  expect(bundle.resourceType).toBe('Bundle');
  return ((bundle.entry ?? []) as Array<{ resource: { resourceType: string; id: string } }>)
    .map((e) => e.resource)
    .filter((r) => !resourceType || r.resourceType === resourceType)
    .map((r) => r.id)
    .sort();
}

/** The patient ids every entry of a Bundle points at (subject/patient), for "never another patient's". */
export function patientsIn(bundle: Record<string, any>): string[] {
  const found = new Set<string>();
  for (const { resource } of (bundle.entry ?? []) as Array<{ resource: Record<string, any> }>) {
    if (resource.resourceType === 'Patient') found.add(resource.id);
    for (const ref of [resource.subject?.reference, resource.patient?.reference]) {
      const m = typeof ref === 'string' ? /Patient\/([^/]+)$/.exec(ref) : null;
      if (m) found.add(m[1]!);
    }
  }
  return [...found].sort();
}
