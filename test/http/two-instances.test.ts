import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertionForm, clientAssertion } from '../helpers/assertions.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { TEST_DATABASE_URL } from '../helpers/databases.ts';
import { authorize, GROWTH_CHART_REDIRECT, newLaunch, postToken } from '../helpers/oauth.ts';
import { freshPostgresSchema, startTestServer, type TestServer } from '../helpers/server.ts';
import { expectOAuthError, growthChartAuth, introspection, refresh, revoke, type Json } from './token-lifecycle-support.ts';

/** A browser whose requests go to the instances in turn: one flow, every step at the other instance. */
class AlternatingBrowser extends TestBrowser {
  private next = 0;
  constructor(private readonly instances: TestServer[]) {
    super(instances[0]!.baseUrl);
  }
  protected override send(method: string, target: URL, headers: Record<string, string>, body: string | undefined) {
    const instance = this.instances[this.next++ % this.instances.length]!;
    return super.send(method, new URL(target.pathname + target.search, instance.baseUrl), { ...headers, ...(headers.origin ? { origin: instance.baseUrl } : {}) }, body);
  }
}

/**
 * Two instances on one PostgreSQL schema, sharing one ISSUER (as README
 * "Security and reliability" says they must): everything one does, the other
 * sees at once.
 */
describe.runIf(TEST_DATABASE_URL)('two instances on one PostgreSQL, one ISSUER', () => {
  let a: TestServer;
  let b: TestServer;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const fresh = await freshPostgresSchema();
    drop = fresh.drop;
    const database = { kind: 'postgres' as const, url: fresh.url, schema: fresh.schema };
    a = await startTestServer('postgres', { database });
    b = await startTestServer('postgres', { database, env: { ISSUER: a.config.issuer } });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await drop?.();
  });

  /** An EHR launch whose pages alternate between the instances; the code is redeemed at `redeemAt`. */
  async function flowAcross(redeemAt: TestServer) {
    const launch = await newLaunch(a, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'growth-chart' });
    const browser = new AlternatingBrowser([a, b]);
    const { redirect, verifier } = await authorize(
      a,
      { client_id: 'growth-chart', redirect_uri: GROWTH_CHART_REDIRECT, scope: 'launch openid fhirUser offline_access patient/*.rs', launch },
      { browser },
    );
    const form = { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: GROWTH_CHART_REDIRECT, code_verifier: verifier };
    const res = await postToken(redeemAt, form, growthChartAuth());
    expect(res.status).toBe(200);
    return { tokens: (await res.json()) as Json, form };
  }

  it('runs one flow across both; a code issued at one is redeemed at the other; a replay at the first fails and revokes', async () => {
    const { tokens, form } = await flowAcross(b);
    expect(tokens.patient).toBe('p001');
    expect((await introspection(a, tokens.access_token)).active).toBe(true);
    await expectOAuthError(await postToken(a, form, growthChartAuth()), 400, 'invalid_grant');
    // RFC 6749 §4.1.2: the tokens issued from a replayed code are revoked, at both instances.
    expect(await introspection(b, tokens.access_token)).toEqual({ active: false });
    expect(await introspection(a, tokens.access_token)).toEqual({ active: false });
    await expectOAuthError(await refresh(b, { refresh_token: String(tokens.refresh_token) }), 400, 'invalid_grant');
  });

  it('accepts one client assertion sent to both at once exactly once', async () => {
    const assertion = await clientAssertion(a, 'bulk-exporter', 'bulk-exporter-rs384-1');
    const form = { grant_type: 'client_credentials', scope: 'system/Patient.rs', ...assertionForm(assertion) };
    const answers = await Promise.all([postToken(a, form), postToken(b, form)]);
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses[0]).toBe(200);
    expect(statuses[1]).toBeGreaterThanOrEqual(400);
    expect(statuses[1]).toBeLessThan(500);
  });

  it('revokes the family when a refresh token rotated at one is reused at the other', async () => {
    const { tokens } = await flowAcross(a);
    const rotated = (await (await refresh(a, { refresh_token: String(tokens.refresh_token) })).json()) as Json;
    expect(rotated.refresh_token).toBeTruthy();
    await expectOAuthError(await refresh(b, { refresh_token: String(tokens.refresh_token) }), 400, 'invalid_grant');
    await expectOAuthError(await refresh(a, { refresh_token: String(rotated.refresh_token) }), 400, 'invalid_grant');
    expect(await introspection(a, rotated.access_token)).toEqual({ active: false });
  });

  it('sees a revocation at one at the other within moments', async () => {
    const { tokens } = await flowAcross(b);
    expect((await introspection(b, tokens.access_token)).active).toBe(true);
    expect((await revoke(a, { token: String(tokens.access_token) })).status).toBe(200);
    // Since the in-memory caches (LISTEN/NOTIFY, src/cache/) the other instance learns of it by notification,
    // not on the same read: wait for it, boundedly. (Before them it was seen on the very next request.)
    let seen: Json = {};
    for (let i = 0; i < 50 && seen.active !== false; i++) {
      seen = await introspection(b, tokens.access_token);
      if (seen.active !== false) await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen).toEqual({ active: false });
  });
});
