// What every FhirDataSource does with the fixture data set, whether it holds the fixtures itself
// or reads them from a FHIR server. Each test file calls this with its own source.
import { describe, expect, it } from 'vitest';
import type { FhirDataSource } from '../../src/fhir/index.ts';

/** All twelve patients by family, then given name. */
const BY_NAME = ['p012', 'p004', 'p008', 'p010', 'p007', 'p006', 'p011', 'p005', 'p009', 'p001', 'p002', 'p003'];

const ids = (rows: Array<{ id: string }>) => rows.map((r) => r.id);

export function describeFhirDataSourceContract(label: string, source: () => FhirDataSource): void {
  describe(`${label}: patient search`, () => {
    it('lists everyone by family then given name when the text is empty, ten to a page', async () => {
      const result = await source().searchPatients({});
      expect(result).toMatchObject({ total: 12, page: 1, pageSize: 10 });
      expect(ids(result.patients)).toEqual(BY_NAME.slice(0, 10));
    });

    it('finds both Smiths by family name, John before Maria', async () => {
      const result = await source().searchPatients({ text: 'smith' });
      expect(ids(result.patients)).toEqual(['p002', 'p003']);
      expect(result.total).toBe(2);
    });

    it('matches a name fragment whatever its case', async () => {
      expect(ids((await source().searchPatients({ text: 'SHA' })).patients)).toEqual(['p001']);
    });

    it('matches names without regard to accents, either way round', async () => {
      const fhir = source();
      expect(ids((await fhir.searchPatients({ text: 'jose' })).patients)).toEqual(['p004']);
      expect(ids((await fhir.searchPatients({ text: 'García' })).patients)).toEqual(['p004']);
      expect(ids((await fhir.searchPatients({ text: 'muller' })).patients)).toEqual(['p007']);
      expect(ids((await fhir.searchPatients({ text: 'siobhan' })).patients)).toEqual(['p011']);
    });

    it('needs every word of a two-word search to match some given or family name', async () => {
      const fhir = source();
      expect(ids((await fhir.searchPatients({ text: 'amy shaw' })).patients)).toEqual(['p001']);
      expect(ids((await fhir.searchPatients({ text: '  Smith   John ' })).patients)).toEqual(['p002']);
      expect(ids((await fhir.searchPatients({ text: 'luis' })).patients)).toEqual(['p004']);
    });

    it('finds a patient by the exact MRN, and not by part of one', async () => {
      const fhir = source();
      const found = await fhir.searchPatients({ text: 'MRN-1005' });
      expect(found.total).toBe(1);
      expect(found.patients).toEqual([
        { id: 'p005', name: 'Mrs. Chioma Okafor', birthDate: '1948-09-02', gender: 'female', identifier: 'MRN-1005' },
      ]);
      expect((await fhir.searchPatients({ text: 'MRN-100' })).total).toBe(0);
    });

    it('summarises a patient as the picker shows it', async () => {
      const [amy] = (await source().searchPatients({ text: 'shaw' })).patients;
      expect(amy).toEqual({ id: 'p001', name: 'Amy Shaw', birthDate: '1987-02-20', gender: 'female', identifier: 'MRN-1001' });
    });

    it('finds nobody for a name nobody has', async () => {
      expect(await source().searchPatients({ text: 'zebedee' })).toEqual({ patients: [], total: 0, page: 1, pageSize: 10 });
    });

    it('pages through the list with the total on every page', async () => {
      const fhir = source();
      const pages = await Promise.all([1, 2, 3].map((page) => fhir.searchPatients({ page, pageSize: 5 })));
      expect(pages.map((p) => ids(p.patients))).toEqual([BY_NAME.slice(0, 5), BY_NAME.slice(5, 10), BY_NAME.slice(10)]);
      expect(pages.map((p) => [p.total, p.page, p.pageSize])).toEqual([[12, 1, 5], [12, 2, 5], [12, 3, 5]]);
      expect(ids((await fhir.searchPatients({ page: 2 })).patients)).toEqual(BY_NAME.slice(10));
    });

    it('answers a page past the end with no rows but the total', async () => {
      expect(await source().searchPatients({ page: 4, pageSize: 5 })).toEqual({ patients: [], total: 12, page: 4, pageSize: 5 });
    });

    it('caps the page size at 50 and treats a nonsense page as the first', async () => {
      const result = await source().searchPatients({ page: 0, pageSize: 500 });
      expect(result).toMatchObject({ page: 1, pageSize: 50, total: 12 });
      expect(result.patients).toHaveLength(12);
      expect((await source().searchPatients({ page: 1.5, pageSize: -3 })).pageSize).toBe(10);
    });
  });

  describe(`${label}: reading`, () => {
    it('reads a patient by id, and nothing for an unknown or malformed id', async () => {
      const fhir = source();
      const patient = await fhir.getPatient('p004');
      expect(patient?.resourceType).toBe('Patient');
      expect(patient?.name?.[0]?.family).toBe('García');
      expect(await fhir.getPatient('p999')).toBeUndefined();
      expect(await fhir.getPatient('../Practitioner/pr001')).toBeUndefined();
      expect(await fhir.getPatient('')).toBeUndefined();
    });

    it('reads an encounter by id, with its subject and attending practitioner', async () => {
      const fhir = source();
      const encounter = await fhir.getEncounter('e005');
      expect(encounter?.subject?.reference).toBe('Patient/p003');
      expect(encounter?.participant?.[0]?.individual?.reference).toBe('Practitioner/pr002');
      expect(await fhir.getEncounter('e999')).toBeUndefined();
      expect(await fhir.getEncounter('p001')).toBeUndefined();
    });

    it("lists a patient's encounters, most recent first", async () => {
      const encounters = await source().listEncounters('p001');
      expect(encounters).toEqual([
        { id: 'e003', date: '2025-06-02T14:00:00Z', class: 'ambulatory', type: 'Follow-up encounter', status: 'in-progress' },
        { id: 'e002', date: '2024-01-22T23:40:00Z', class: 'emergency', type: 'Emergency room admission', status: 'finished' },
        { id: 'e001', date: '2023-03-14T09:00:00Z', class: 'ambulatory', type: 'Encounter for check up', status: 'finished' },
      ]);
    });

    it('lists no encounters for a patient without any, an unknown patient or a malformed id', async () => {
      const fhir = source();
      expect(await fhir.listEncounters('p005')).toEqual([]);
      expect(await fhir.listEncounters('p999')).toEqual([]);
      expect(await fhir.listEncounters('p001&patient=p002')).toEqual([]);
    });

    it('reads any fixture resource by a Type/id reference', async () => {
      const fhir = source();
      expect(await fhir.read('Practitioner/pr001')).toMatchObject({
        resourceType: 'Practitioner',
        id: 'pr001',
        name: [{ family: 'Carter', given: ['Alice'] }],
      });
      expect(await fhir.read('RelatedPerson/rp001')).toMatchObject({ patient: { reference: 'Patient/p002' } });
      expect(await fhir.read('DiagnosticReport/dr002')).toMatchObject({ subject: { reference: 'Patient/p003' } });
      expect(await fhir.read('Encounter/e008')).toMatchObject({ status: 'planned' });
    });

    it('reads nothing for an absent resource or a malformed reference', async () => {
      const fhir = source();
      const refs = [
        'Patient/p999',
        'Observation/p001',
        '',
        'Patient',
        'Patient/',
        '/p001',
        'patient/p001',
        'Patient/p 001',
        'Patient/p001/_history/1',
        'Patient/../Practitioner/pr001',
        'http://hospital.example.org/fhir/Patient/p001',
        `Patient/${'x'.repeat(65)}`,
      ];
      for (const ref of refs) expect(await fhir.read(ref), ref).toBeUndefined();
    });
  });
}
