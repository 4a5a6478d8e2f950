import { describe, expect, it } from 'vitest';
import { createFhirDataSource, fixtureDataSource } from '../../src/fhir/index.ts';
import { describeFhirDataSourceContract } from './data-source-contract.ts';

describeFhirDataSourceContract('fixtures', fixtureDataSource);

describe('fixtures: beyond the common contract', () => {
  it('matches a fragment from the middle of a name, not only its start', async () => {
    const { patients } = await fixtureDataSource().searchPatients({ text: 'kaf' });
    expect(patients.map((p) => p.id)).toEqual(['p005']);
  });

  it('hands out copies, so a caller editing a resource changes nothing for the next', async () => {
    const fhir = fixtureDataSource();
    const patient = await fhir.getPatient('p001');
    patient?.name?.[0]?.given?.splice(0, 1, 'Mallory');
    const practitioner = (await fhir.read('Practitioner/pr001')) as fhir4.Practitioner;
    practitioner.id = 'changed';
    expect((await fhir.getPatient('p001'))?.name?.[0]?.given).toEqual(['Amy']);
    expect((await fhir.read('Practitioner/pr001'))?.id).toBe('pr001');
  });

  it('is what createFhirDataSource gives when no upstream URL is set', async () => {
    for (const upstreamUrl of [undefined, '', '  ']) {
      const fhir = createFhirDataSource({ upstreamUrl });
      expect((await fhir.searchPatients({ text: 'MRN-1001' })).patients[0]?.id).toBe('p001');
    }
  });
});
