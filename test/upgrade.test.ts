import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../db/migrations/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { openDatabase, type Db } from '../src/db/index.ts';
import { getGrant } from '../src/store/grants.ts';
import { upsertConfiguredUsers } from '../src/store/users.ts';
import { signAccessToken } from '../src/tokens/access-token.ts';
import { generateSigningKey } from '../src/tokens/keys.ts';
import { sha256 } from '../src/tokens/secrets.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { decodeJwt, GROWTH_CHART_REDIRECT, pkce, postToken } from './helpers/oauth.ts';
import { DEFAULT_CONFIG_DIR, freshPostgresSchema, startTestServer, type TestServer } from './helpers/server.ts';
import { expectOAuthError, growthChartAuth, introspection, refresh, type Json } from './http/token-lifecycle-support.ts';

const HOUR = 3600_000;
/** The FHIR base the old grants were made for (kept by each grant, whatever the server's now). */
const OLD_AUD = 'https://fhir.example.org/r4';
const from = (ms: number) => new Date(Date.now() + ms);
const EHR_CONTEXT = { patient: 'p001', encounter: 'e001', need_patient_banner: true };

/** The database as release 0001 left it: only the first migration, rows written as that code wrote them. */
async function previousSchema(db: Db): Promise<void> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const first = new Migrator({
    db,
    provider: { getMigrations: async () => ({ '0001_initial': migrations['0001_initial']! }) },
    migrationTableSchema: rows[0]!.schema,
  });
  const { error } = await first.migrateToLatest();
  if (error) throw error;
  const config = loadConfig({ SMART_CONFIG_DIR: DEFAULT_CONFIG_DIR, PGLITE_DIR: 'memory' });
  // Release 0001's clients table (later migrations add columns the current store writes): the
  // service's start upserts the configured clients over these rows, secrets included.
  for (const c of config.clients) {
    const secretHash = c.type === 'confidential-symmetric' ? 'sha256:replaced-at-start' : null;
    await sql`insert into clients (id, name, type, secret_hash, redirect_uris, scope, grant_types, roles)
      values (${c.id}, ${c.name}, ${c.type}, ${secretHash}, ${JSON.stringify(c.redirectUris)}::jsonb, ${c.scope},
        ${JSON.stringify(c.grantTypes)}::jsonb, ${JSON.stringify(c.roles)}::jsonb)`.execute(db);
  }
  await upsertConfiguredUsers(db, config.users);
  // Release 0001's signing keys: one per purpose, no activation time (migration 0004 adds it).
  for (const purpose of ['access_token', 'id_token'] as const) {
    const key = await generateSigningKey(purpose, new Date());
    await sql`insert into signing_keys (kid, purpose, alg, private_jwk, public_jwk)
      values (${key.kid}, ${purpose}, ${key.alg}, ${JSON.stringify(key.privateJwk)}::jsonb, ${JSON.stringify(key.publicJwk)}::jsonb)`.execute(db);
  }
}

/** What release 0001 wrote at consent (authorization_codes) and on issue (refresh_tokens), column for column. */
const grantColumns = (grant: { user?: string | null; scope?: string; session?: string | null; context?: Json }) => ({
  client_id: 'growth-chart',
  user_id: grant.user === undefined ? 'dr-carter' : grant.user,
  fhir_user: 'Practitioner/pr001',
  scope: grant.scope ?? 'launch openid fhirUser offline_access patient/*.rs',
  aud: OLD_AUD,
  context: JSON.stringify(grant.context ?? EHR_CONTEXT),
  launch_type: 'ehr',
  launch_extra: JSON.stringify({ tenant: 'hospital-a' }),
  session_id_hash: grant.session ?? null,
});

async function oldCode(db: Db, grantId: string, code: string, challenge: string, consumed: boolean) {
  const c = grantColumns({});
  await sql`
    insert into authorization_codes (code_hash, grant_id, client_id, redirect_uri, code_challenge, scope, aud, context, launch_type,
      launch_extra, user_id, fhir_user, session_id_hash, nonce, auth_time, expires_at, consumed_at)
    values (${sha256(code)}, ${grantId}, ${c.client_id}, ${GROWTH_CHART_REDIRECT}, ${challenge}, ${c.scope}, ${c.aud}, ${c.context}::jsonb,
      ${c.launch_type}, ${c.launch_extra}::jsonb, ${c.user_id}, ${c.fhir_user}, ${c.session_id_hash}, ${'n-1'}, ${new Date()},
      ${from(consumed ? -HOUR : 60_000)}, ${consumed ? new Date() : null})`.execute(db);
}

async function oldRefresh(
  db: Db,
  familyId: string,
  token: string,
  state: { consumed?: boolean; revoked?: boolean; online?: string; scope?: string },
) {
  const c = grantColumns({ session: state.online ?? null, ...(state.scope ? { scope: state.scope } : {}) });
  await sql`
    insert into refresh_tokens (token_hash, family_id, client_id, user_id, fhir_user, session_id_hash, access_type, scope, aud, context,
      launch_type, launch_extra, auth_time, expires_at, consumed_at, revoked_at)
    values (${sha256(token)}, ${familyId}, ${c.client_id}, ${c.user_id}, ${c.fhir_user}, ${c.session_id_hash},
      ${state.online ? 'online' : 'offline'}, ${c.scope}, ${c.aud}, ${c.context}::jsonb, ${c.launch_type}, ${c.launch_extra}::jsonb,
      ${new Date()}, ${from(24 * HOUR)}, ${state.consumed ? new Date() : null}, ${state.revoked ? new Date() : null})`.execute(db);
}

async function oldRevocation(db: Db, key: string, kind: 'jti' | 'grant') {
  await sql`insert into revocations (key, kind, client_id, reason, expires_at)
    values (${key}, ${kind}, 'growth-chart', 'revoked', ${from(HOUR)})`.execute(db);
}

async function oldSession(db: Db, idHash: string, ended: boolean) {
  await sql`insert into sessions (id_hash, user_id, expires_at, ended_at) values (${idHash}, 'dr-carter', ${from(HOUR)}, ${ended ? new Date() : null})`.execute(db);
}

describeEachDatabase('upgrading a database of release 0001 in place (migration 0002_grants)', (kind) => {
  let server: TestServer;
  const verifier = pkce();
  /** An access token as the old code signed it: jti `<grant id>.<random>`, the context as bare claims. */
  const accessToken = (grantId: string, extra: Json = EHR_CONTEXT, clientId = 'growth-chart', scope = 'launch openid fhirUser patient/*.rs') => {
    const now = Math.floor(Date.now() / 1000);
    const { patient, encounter } = extra as { patient?: string; encounter?: string };
    return signAccessToken(server.deps.keys.accessToken, {
      iss: server.config.issuer, sub: clientId === 'growth-chart' ? 'dr-carter' : clientId, aud: server.config.fhirBaseUrl,
      client_id: clientId, scope, jti: `${grantId}.abcdefgh12345678`, iat: now, exp: now + 3600,
      ...(patient ? { patient } : {}), ...(encounter ? { encounter } : {}),
    });
  };

  beforeAll(async () => {
    const fresh = kind === 'postgres' ? await freshPostgresSchema() : undefined;
    const database = await openDatabase(
      fresh ? { kind: 'postgres', url: fresh.url, schema: fresh.schema, poolSize: 4 } : { kind: 'pglite', dir: 'memory' },
    );
    const { db } = database;
    await previousSchema(db);
    await oldCode(db, 'g-code', 'live-code', verifier.challenge, false); // consented, not yet redeemed
    await oldCode(db, 'g-family', 'spent-code', verifier.challenge, true); // redeemed: a live refresh family
    await oldRefresh(db, 'g-family', 'family-spent', { consumed: true });
    await oldRefresh(db, 'g-family', 'family-live', {});
    await oldRefresh(db, 'g-swept', 'swept-live', {}); // its code was swept already
    await oldRefresh(db, 'g-revoked', 'revoked-live', { revoked: true });
    await oldRevocation(db, 'g-revoked', 'grant');
    await oldRevocation(db, 'g-orphan', 'grant'); // a revoked grant whose code and tokens were swept
    await oldRevocation(db, 'g-family.revokedjti', 'jti');
    await oldSession(db, 's-live', false);
    await oldSession(db, 's-ended', true);
    await oldRefresh(db, 'g-online', 'online-live', { online: 's-live', scope: 'launch openid online_access patient/*.rs' });
    await oldRefresh(db, 'g-online-ended', 'online-ended', { online: 's-ended', scope: 'launch openid online_access patient/*.rs' });

    // The service migrates at start (0002 moves everything into grants) and serves on the same database.
    server = await startTestServer(kind, {
      database: { kind: 'open', database: { ...database, close: async () => { await database.close(); await fresh?.drop(); } } },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('moves every code, refresh family and grant revocation into one grant each', async () => {
    const ids = (await server.deps.db.selectFrom('grants').select('id').orderBy('id').execute()).map((g) => g.id);
    expect(ids).toEqual(['g-code', 'g-family', 'g-online', 'g-online-ended', 'g-orphan', 'g-revoked', 'g-swept']);
    expect(await getGrant(server.deps.db, 'g-family')).toMatchObject({
      clientId: 'growth-chart', userId: 'dr-carter', fhirUser: 'Practitioner/pr001', context: EHR_CONTEXT, launchType: 'ehr',
      launchExtra: { tenant: 'hospital-a' }, accessType: 'offline', revokedAt: null,
    });
    expect(await getGrant(server.deps.db, 'g-online')).toMatchObject({ accessType: 'online', sessionIdHash: 's-live' });
    expect((await getGrant(server.deps.db, 'g-revoked'))?.revokedAt).toBeInstanceOf(Date);
    expect((await getGrant(server.deps.db, 'g-orphan'))?.revokedAt).toBeInstanceOf(Date);
    const jtis = await server.deps.db.selectFrom('revocations').select('jti').execute();
    expect(jtis.map((r) => r.jti)).toEqual(['g-family.revokedjti']);
  });

  it('redeems a code issued before the upgrade, with its launch context', async () => {
    const res = await postToken(
      server,
      { grant_type: 'authorization_code', code: 'live-code', redirect_uri: GROWTH_CHART_REDIRECT, code_verifier: verifier.verifier },
      growthChartAuth(),
    );
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as Json;
    expect(tokens).toMatchObject({ patient: 'p001', encounter: 'e001', need_patient_banner: true, refresh_token: expect.any(String) });
    expect(decodeJwt(String(tokens.id_token))).toMatchObject({ nonce: 'n-1', fhirUser: `${server.config.fhirBaseUrl}/Practitioner/pr001` });
    expect(decodeJwt(String(tokens.access_token))).toMatchObject({ aud: OLD_AUD, tenant: 'hospital-a', jti: expect.stringMatching(/^g-code\./) });
    expect((await introspection(server, tokens.access_token)).active).toBe(true);
  });

  it('refreshes live refresh tokens of every kind, keeping context and claim inputs', async () => {
    for (const token of ['family-live', 'swept-live']) {
      const res = await refresh(server, { refresh_token: token });
      expect(res.status).toBe(200);
      const tokens = (await res.json()) as Json;
      expect(tokens).toMatchObject({ patient: 'p001', encounter: 'e001', refresh_token: expect.any(String) });
      expect(decodeJwt(String(tokens.access_token))).toMatchObject({ tenant: 'hospital-a', sub: 'dr-carter' });
    }
    expect((await refresh(server, { refresh_token: 'online-live' })).status).toBe(200);
  });

  it('keeps access tokens issued before the upgrade active, with their grant context, and revoked ones inactive', async () => {
    const live = await introspection(server, accessToken('g-family'));
    expect(live).toMatchObject({ active: true, patient: 'p001', encounter: 'e001', need_patient_banner: true });
    const userinfo = await fetch(`${server.baseUrl}/userinfo`, { headers: { authorization: `Bearer ${accessToken('g-family')}` } });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toMatchObject({ sub: 'dr-carter' });
    // A backend token of release 0001 has no grant row; it stays active until it expires.
    const backend = accessToken('old-backend-grant', {}, 'bulk-exporter', 'system/Patient.rs');
    expect(await introspection(server, backend)).toMatchObject({ active: true, client_id: 'bulk-exporter' });

    for (const grant of ['g-revoked', 'g-orphan']) expect(await introspection(server, accessToken(grant))).toEqual({ active: false });
    const revokedJti = signAccessToken(server.deps.keys.accessToken, {
      ...decodeJwt(accessToken('g-family')), jti: 'g-family.revokedjti',
    });
    expect(await introspection(server, revokedJti)).toEqual({ active: false });
  });

  it('keeps revoked and session-ended refresh tokens refused', async () => {
    await expectOAuthError(await refresh(server, { refresh_token: 'revoked-live' }), 400, 'invalid_grant');
    await expectOAuthError(await refresh(server, { refresh_token: 'online-ended' }), 400, 'invalid_grant');
    expect(await introspection(server, 'online-ended')).toEqual({ active: false });
  });

  it('detects reuse of a refresh token spent before the upgrade and revokes its grant', async () => {
    await expectOAuthError(await refresh(server, { refresh_token: 'family-spent' }), 400, 'invalid_grant');
    expect((await getGrant(server.deps.db, 'g-family'))?.revokedReason).toBe('refresh token reused');
    expect(await introspection(server, accessToken('g-family'))).toEqual({ active: false });
  });

  it('refuses a code redeemed before the upgrade', async () => {
    const replay = await postToken(
      server,
      { grant_type: 'authorization_code', code: 'spent-code', redirect_uri: GROWTH_CHART_REDIRECT, code_verifier: verifier.verifier },
      growthChartAuth(),
    );
    await expectOAuthError(replay, 400, 'invalid_grant');
    // Already revoked: the first reason is kept.
    expect((await getGrant(server.deps.db, 'g-family'))?.revokedReason).toBe('refresh token reused');
  });
});

describe('placeholder to keep vitest happy when suites skip', () => {
  it('runs', () => expect(true).toBe(true));
});
