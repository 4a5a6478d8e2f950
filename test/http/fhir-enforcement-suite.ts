// The FHIR API's enforcement, through HTTP, for any backend: the embedded engine
// (fhir-api.test.ts) and proxy mode in front of a separate FHIR server (fhir-proxy.test.ts).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessToken } from '../../src/tokens/access-token.ts';
import type { DatabaseKind } from '../helpers/databases.ts';
import { GROWTH_CHART_REDIRECT, authorize, newLaunch } from '../helpers/oauth.ts';
import type { TestServer } from '../helpers/server.ts';
import { backendToken, ehrLaunchToken, fhirClient, idsOf, patientsIn, standaloneToken } from './fhir-support.ts';
import { redeemGrowthChartCode } from './launch-support.ts';
import { revoke } from './token-lifecycle-support.ts';

export const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
export const OTHER_AUDIENCE = 'https://other-fhir.example.org/r4';

/** What the suite needs of the configuration: a granular scope growth-chart may ask for, another audience. */
export function enforcementConfig(config: TestServer['config']): void {
  const growthChart = config.clients.find((c) => c.id === 'growth-chart')!;
  growthChart.scope = `${growthChart.scope} patient/Observation.rs?category=${LAB}`;
  config.audiences.push(OTHER_AUDIENCE);
}

export function describeFhirEnforcement(label: string, start: (kind: DatabaseKind) => Promise<TestServer>, kind: DatabaseKind): void {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    server = await start(kind);
    const [ehr, granular, practitioner, amy, carla, backend] = await Promise.all([
      ehrLaunchToken(server, 'launch openid fhirUser patient/*.rs'),
      ehrLaunchToken(server, `launch patient/Observation.rs?category=${LAB} patient/Patient.rs`),
      standaloneToken(server, 'dr.carter', 'carter-demo', 'openid fhirUser user/*.rs'),
      standaloneToken(server, 'amy', 'amy-demo', 'openid fhirUser user/*.rs'),
      standaloneToken(server, 'carla', 'carla-demo', 'openid fhirUser user/*.rs'),
      backendToken(server, 'system/Patient.rs system/Observation.rs'),
    ]);
    Object.assign(tokens, { ehr, granular, practitioner, amy, carla, backend });
  }, 180_000);
  afterAll(async () => {
    await server?.close();
  });
  const as = (who: string) => fhirClient(server, tokens[who]);

  describe(`${label}: metadata`, () => {
    it('serves a CapabilityStatement without a token, to any origin, with the SMART security block', async () => {
      const res = await fetch(`${server.config.fhirBaseUrl}/metadata`, { headers: { origin: 'https://any.example.org' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      const cs = (await res.json()) as Record<string, any>;
      expect(cs).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
      const security = cs.rest[0].security;
      expect(security.service[0].coding[0]).toMatchObject({ code: 'SMART-on-FHIR' });
      const uris = Object.fromEntries(security.extension[0].extension.map((e: any) => [e.url, e.valueUri]));
      const issuer = server.config.issuer;
      expect(uris).toEqual({ authorize: `${issuer}/authorize`, token: `${issuer}/token`, introspect: `${issuer}/introspect`, revoke: `${issuer}/revoke` });
      const patient = cs.rest[0].resource.find((r: any) => r.type === 'Patient');
      expect(patient.interaction.map((i: any) => i.code)).toEqual(expect.arrayContaining(['read', 'search-type']));
    });

    it('keeps .well-known/smart-configuration under the FHIR base', async () => {
      const res = await fetch(`${server.config.fhirBaseUrl}/.well-known/smart-configuration`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as Record<string, unknown>).token_endpoint).toBe(`${server.config.issuer}/token`);
    });
  });

  describe(`${label}: the token`, () => {
    const expectInvalid = async (token: string | undefined, error: string | undefined) => {
      const { status, body, res } = await fhirClient(server, token).get('Patient/p001');
      expect(status).toBe(401);
      expect(body.resourceType).toBe('OperationOutcome');
      const challenge = res.headers.get('www-authenticate') ?? '';
      expect(challenge).toMatch(/^Bearer /);
      if (error) expect(challenge).toContain(`error="${error}"`);
      else expect(challenge).not.toContain('error=');
    };

    it('is required', () => expectInvalid(undefined, undefined));
    it('must be one we issued', () => expectInvalid(`${randomBytes(20).toString('base64url')}.x.y`, 'invalid_token'));

    it('must not have expired', async () => {
      const now = Math.floor(Date.now() / 1000);
      const expired = signAccessToken(server.deps.keys.accessToken, {
        iss: server.config.issuer, aud: server.config.fhirBaseUrl, sub: 'dr-carter', client_id: 'growth-chart',
        scope: 'patient/*.rs', patient: 'p001', jti: `g${randomBytes(8).toString('hex')}.x`, iat: now - 7200, exp: now - 3600,
      });
      await expectInvalid(expired, 'invalid_token');
    });

    it('must be for this FHIR base, not another audience we issue tokens for', async () => {
      const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'growth-chart' });
      const { redirect, verifier } = await authorize(server, {
        client_id: 'growth-chart', redirect_uri: GROWTH_CHART_REDIRECT, scope: 'launch patient/*.rs', launch, aud: OTHER_AUDIENCE,
      });
      const res = await redeemGrowthChartCode(server, redirect.searchParams.get('code')!, verifier);
      await expectInvalid(((await res.json()) as { access_token: string }).access_token, 'invalid_token');
    });

    it('stops working the moment it is revoked', async () => {
      const token = await ehrLaunchToken(server, 'launch patient/*.rs');
      expect((await fhirClient(server, token).get('Patient/p001')).status).toBe(200);
      expect((await revoke(server, { token })).status).toBe(200);
      await expectInvalid(token, 'invalid_token');
    });
  });

  describe(`${label}: an EHR launch with patient/*.rs (Amy Shaw, p001)`, () => {
    it("reads the patient, and another patient's record is not found", async () => {
      expect((await as('ehr').get('Patient/p001')).body).toMatchObject({ resourceType: 'Patient', id: 'p001' });
      for (const path of ['Patient/p002', 'Encounter/e004', 'Observation/obs-p002-hr', 'Condition/cond-p003-problem']) {
        const { status, body } = await as('ehr').get(path);
        expect(status, path).toBe(404);
        expect(body.resourceType).toBe('OperationOutcome');
      }
    });

    it("never returns another patient's data, whatever the search says", async () => {
      const fhir = as('ehr');
      expect(idsOf((await fhir.get('Encounter')).body)).toEqual(['e001', 'e002', 'e003']);
      expect(patientsIn((await fhir.get('Observation?_count=100')).body)).toEqual(['p001']);
      const searches = [
        'Patient', 'Patient?_id=p002', 'Patient?_id=p001,p002', 'Patient?identifier=MRN-1002', 'Encounter?patient=p002',
        'Encounter?subject=Patient/p002', 'Observation?patient=p002&_count=100', 'Condition?patient=Patient/p003',
        'Encounter?_id=e004', 'Patient?_revinclude=Encounter:subject', 'Encounter?_include=Encounter:subject',
        'Patient?_id=p002&_revinclude=Observation:subject',
      ];
      for (const search of searches) {
        const { status, body } = await fhir.get(search);
        expect(status, search).toBe(200);
        expect(patientsIn(body).filter((p) => p !== 'p001'), search).toEqual([]);
      }
      const posted = await fhir.send('POST', 'Encounter/_search', 'patient=p002', { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(posted.status).toBe(200);
      expect(idsOf(posted.body)).toEqual([]);
    });

    it("reads the patient's history and a version of it, and not another patient's", async () => {
      const history = await as('ehr').get('Patient/p001/_history');
      expect(history.status).toBe(200);
      expect(history.body).toMatchObject({ resourceType: 'Bundle', type: 'history' });
      const version = history.body.entry[0].resource.meta.versionId as string;
      expect((await as('ehr').get(`Patient/p001/_history/${version}`)).body).toMatchObject({ id: 'p001', meta: { versionId: version } });
      expect((await as('ehr').get('Patient/p002/_history')).status).toBe(404);
    });

    it('refuses chained parameters it cannot bind to the patient', async () => {
      for (const search of ['Encounter?subject.name=Smith', 'Patient?_has:Encounter:subject:status=finished']) {
        const { status, body } = await as('ehr').get(search);
        expect(status, search).toBe(400);
        expect(body.resourceType).toBe('OperationOutcome');
      }
    });

    it('refuses writes with read-only scopes (403 insufficient_scope)', async () => {
      const obs = { resourceType: 'Observation', status: 'final', code: { text: 'note' }, subject: { reference: 'Patient/p001' } };
      const { status, res } = await as('ehr').send('POST', 'Observation', obs);
      expect(status).toBe(403);
      expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      expect((await as('ehr').send('DELETE', 'Observation/obs-p001-hr')).status).toBe(403);
    });

    it('lets the user read their fhirUser resource', async () => {
      expect((await as('ehr').get('Practitioner/pr001')).body).toMatchObject({ resourceType: 'Practitioner', id: 'pr001' });
    });
  });

  describe(`${label}: granular scopes`, () => {
    it('returns only laboratory Observations, and refuses reads of other categories', async () => {
      const lab = await as('granular').get('Observation?_count=100');
      expect(lab.status).toBe(200);
      expect(idsOf(lab.body)).toEqual(['obs-p001-a1c', 'obs-p001-glucose', 'obs-p001-hgb']);
      expect(idsOf((await as('granular').get('Observation?category=vital-signs')).body)).toEqual([]);
      expect((await as('granular').get('Observation/obs-p001-hgb')).status).toBe(200);
      expect((await as('granular').get('Observation/obs-p001-hr')).status).toBe(404);
      expect((await as('granular').get('Condition')).status).toBe(403);
    });
  });

  describe(`${label}: a standalone practitioner launch with user/*.rs`, () => {
    it('reads any patient, but writes nothing', async () => {
      const fhir = as('practitioner');
      expect((await fhir.get('Patient/p002')).status).toBe(200);
      expect(idsOf((await fhir.get('Encounter?patient=p003')).body)).toEqual(['e005', 'e006']);
      expect((await fhir.get('Patient?_count=50')).body.total).toBe(12);
      expect((await fhir.send('PUT', 'Patient/p002', { resourceType: 'Patient', id: 'p002' })).status).toBe(403);
    });
  });

  describe(`${label}: patient users with user/*.rs`, () => {
    it('lets a Patient user see only their own record', async () => {
      const fhir = as('amy');
      expect((await fhir.get('Patient/p001')).status).toBe(200);
      expect((await fhir.get('Patient/p002')).status).toBe(404);
      expect(patientsIn((await fhir.get('Observation?_count=100')).body)).toEqual(['p001']);
      expect(idsOf((await fhir.get('Patient')).body)).toEqual(['p001']);
    });

    it("lets a RelatedPerson see only the patient they are linked to, and their own record", async () => {
      const fhir = as('carla');
      expect(idsOf((await fhir.get('Patient')).body)).toEqual(['p002']);
      expect(idsOf((await fhir.get('Encounter')).body)).toEqual(['e004']);
      expect((await fhir.get('Patient/p001')).status).toBe(404);
      expect((await fhir.get('RelatedPerson/rp001')).status).toBe(200);
    });
  });

  describe(`${label}: the audit`, () => {
    it('records every access: who, which client, which patient, what, and the outcome', async () => {
      await as('ehr').get('Encounter/e001');
      await as('ehr').get('Encounter/e004');
      await as('ehr').send('DELETE', 'Encounter/e001');
      await fhirClient(server, undefined).get('Encounter/e001');
      await server.deps.auditBatch.flush();
      const events = await server.deps.db
        .selectFrom('audit_events').selectAll().where('event', '=', 'fhir.accessed').orderBy('id', 'desc').limit(4).execute();
      const seen = events.reverse().map((e) => ({ client: e.client_id, user: e.user_id, patient: e.patient, ...e.details }));
      const who = { client: 'growth-chart', user: 'dr-carter', patient: 'p001', resource_type: 'Encounter' };
      expect(seen).toEqual([
        { ...who, interaction: 'read', id: 'e001', status: 200, outcome: 'allowed' },
        { ...who, interaction: 'read', id: 'e004', status: 404, outcome: 'failed' },
        { ...who, interaction: 'delete', id: 'e001', status: 403, outcome: 'refused' },
        { client: null, user: null, patient: null, interaction: 'GET', status: 401, outcome: 'unauthenticated' },
      ]);
    });
  });

  describe(`${label}: a backend-services token with system/ scopes`, () => {
    it('reads every patient and Observations, and nothing else', async () => {
      const fhir = as('backend');
      expect((await fhir.get('Patient?_count=50')).body.total).toBe(12);
      expect((await fhir.get('Observation/obs-p007-hr')).status).toBe(200);
      expect((await fhir.get('Encounter')).status).toBe(403);
      expect((await fhir.get('Condition/cond-p001-problem')).status).toBe(403);
    });
  });
}
