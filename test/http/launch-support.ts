import { afterAll, beforeAll, expect } from 'vitest';
import type { ClientConfig } from '../../src/config/index.ts';
import { GROWTH_CHART_REDIRECT, SECRETS, authorize, basic, newLaunch, postToken, type AuthorizeParams } from '../helpers/oauth.ts';
import type { TestServer } from '../helpers/server.ts';

/**
 * Shared pieces of the EHR launch HTTP tests (ehr-launch, launches-api,
 * authorize, token-code). Not a test file itself.
 */

/**
 * Every request a test file makes (its own and the helpers') must never be
 * answered with a 5xx: fetch is wrapped for the file's lifetime and fails the
 * test on any server error.
 */
export function refuseServerErrors(): void {
  const original = globalThis.fetch;
  beforeAll(() => {
    globalThis.fetch = async (input, init) => {
      const res = await original(input, init);
      const url = input instanceof Request ? input.url : String(input);
      if (res.status >= 500) {
        const text = await res.clone().text();
        expect.fail(`${init?.method ?? 'GET'} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
      }
      return res;
    };
  });
  afterAll(() => {
    globalThis.fetch = original;
  });
}

export const growthChartAuth = (): Record<string, string> => ({ authorization: basic('growth-chart', SECRETS['growth-chart']) });

/** Reads a JSON error body and checks its status and `error` code. */
export async function expectOAuthError(res: Response, status: number, error: string): Promise<Record<string, unknown>> {
  const body = (await res.json()) as Record<string, unknown>;
  expect({ status: res.status, error: body.error }).toEqual({ status, error });
  return body;
}

/** An EHR launch of growth-chart for Amy Shaw (p001) by Dr Carter, up to the code (consent approved). */
export async function growthChartCode(
  server: TestServer,
  options: { scope?: string; launch?: Record<string, unknown> } = {},
): Promise<{ code: string; verifier: string }> {
  const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'growth-chart', ...options.launch });
  const { redirect, verifier } = await authorize(server, {
    client_id: 'growth-chart',
    redirect_uri: GROWTH_CHART_REDIRECT,
    scope: options.scope ?? 'launch openid fhirUser patient/*.rs',
    launch,
  });
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirect.toString()}`);
  return { code, verifier };
}

/** Exchanges a growth-chart code with HTTP Basic. */
export function redeemGrowthChartCode(server: TestServer, code: string, verifier: string, extra: Record<string, string> = {}) {
  return postToken(
    server,
    { grant_type: 'authorization_code', code, redirect_uri: GROWTH_CHART_REDIRECT, code_verifier: verifier, ...extra },
    growthChartAuth(),
  );
}

/** Authorize parameters of an EHR launch of growth-chart (the launch value still to add). */
export const growthChartParams = (launch: string, extra: Partial<AuthorizeParams> = {}): AuthorizeParams => ({
  client_id: 'growth-chart',
  redirect_uri: GROWTH_CHART_REDIRECT,
  scope: 'launch openid fhirUser patient/*.rs',
  launch,
  ...extra,
});

/** A configured client, with the schema's defaults filled in (for `startTestServer(kind, { configure })`). */
export function clientConfig(client: Pick<ClientConfig, 'id' | 'type'> & Partial<ClientConfig>): ClientConfig {
  return {
    name: client.id,
    redirectUris: [],
    scope: '',
    grantTypes: [],
    roles: [],
    consent: 'required',
    metadata: {},
    disabled: false,
    ...client,
  };
}
