import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ehrLaunchToken, fhirClient, idsOf, patientsIn } from './fhir-support.ts';

describeEachDatabase('FHIR API: an EHR launch with patient/*.rs', (kind) => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer(kind);
    token = await ehrLaunchToken(server, 'launch openid fhirUser patient/*.rs');
  });
  afterAll(async () => {
    await server?.close();
  });

  it("reads the launch patient, and another patient's record is not found", async () => {
    const fhir = fhirClient(server, token);
    const own = await fhir.get('Patient/p001');
    expect(own.status).toBe(200);
    expect(own.res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(own.body).toMatchObject({ resourceType: 'Patient', id: 'p001' });
    const other = await fhir.get('Patient/p002');
    expect(other.status).toBe(404);
    expect(other.body.resourceType).toBe('OperationOutcome');
  });

  it("searches return only the launch patient's data", async () => {
    const fhir = fhirClient(server, token);
    const encounters = await fhir.get('Encounter');
    expect(encounters.status).toBe(200);
    expect(idsOf(encounters.body)).toEqual(['e001', 'e002', 'e003']);
    expect(patientsIn((await fhir.get('Patient')).body)).toEqual(['p001']);
    for (const query of ['Encounter?patient=p002', 'Encounter?subject=Patient/p002', 'Patient?_id=p002', 'Encounter?_id=e004']) {
      const res = await fhir.get(query);
      expect(res.status, query).toBe(200);
      expect(idsOf(res.body), query).toEqual([]);
    }
  });
});
