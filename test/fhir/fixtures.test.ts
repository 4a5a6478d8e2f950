// The ids and links other modules, smart-config examples and tests rely on.
import { describe, expect, it } from 'vitest';
import {
  allFixtureResources,
  diagnosticReports,
  encounters,
  patients,
  practitioners,
  relatedPersons,
} from '../../fhir-fixtures/index.ts';

const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(3, '0')}`);

describe('fhir-fixtures', () => {
  it('has the agreed ids', () => {
    expect(patients.map((p) => p.id)).toEqual(range('p', 12));
    expect(encounters.map((e) => e.id)).toEqual(range('e', 8));
    expect(practitioners.map((p) => p.id)).toEqual(range('pr', 3));
    expect(relatedPersons.map((r) => r.id)).toEqual(['rp001']);
    expect(diagnosticReports.map((d) => d.id)).toEqual(['dr001', 'dr002']);
    const refs = allFixtureResources.map((r) => `${r.resourceType}/${r.id}`);
    expect(new Set(refs).size).toBe(refs.length);
  });

  it('gives every patient an MRN from MRN-1001 to MRN-1012', () => {
    const mrns = patients.map((p) => p.identifier?.find((i) => i.system === 'http://hospital.example.org/mrn')?.value);
    expect(mrns).toEqual(range('', 12).map((n) => `MRN-1${n}`));
  });

  it('keeps the names others test against', () => {
    const name = (id: string) => patients.find((p) => p.id === id)?.name?.[0];
    expect(name('p001')).toMatchObject({ family: 'Shaw', given: ['Amy'] });
    expect(name('p002')).toMatchObject({ family: 'Smith', given: ['John'] });
    expect(name('p003')).toMatchObject({ family: 'Smith', given: ['Maria'] });
    expect(practitioners[0]?.name?.[0]).toMatchObject({ prefix: ['Dr.'], given: ['Alice'], family: 'Carter' });
  });

  it('gives encounters only to p001..p004, each attended by a practitioner in the set', () => {
    const subjects = encounters.map((e) => [e.id, e.subject?.reference]);
    expect(subjects).toEqual([
      ['e001', 'Patient/p001'],
      ['e002', 'Patient/p001'],
      ['e003', 'Patient/p001'],
      ['e004', 'Patient/p002'],
      ['e005', 'Patient/p003'],
      ['e006', 'Patient/p003'],
      ['e007', 'Patient/p004'],
      ['e008', 'Patient/p004'],
    ]);
    const practitionerRefs = new Set(practitioners.map((p) => `Practitioner/${p.id}`));
    for (const e of encounters) {
      expect(['AMB', 'IMP', 'EMER']).toContain(e.class.code);
      expect(e.type?.[0]?.coding?.[0]?.display).toBeTruthy();
      expect(e.period?.start).toBeTruthy();
      expect(practitionerRefs.has(e.participant?.[0]?.individual?.reference ?? '')).toBe(true);
    }
  });

  it('points every reference inside the set at a resource in the set', () => {
    const present = new Set(allFixtureResources.map((r) => `${r.resourceType}/${r.id}`));
    const references = JSON.stringify(allFixtureResources).match(/"reference":"[^"]+"/g) ?? [];
    for (const ref of references) expect(present.has(ref.slice(13, -1)), ref).toBe(true);
  });
});
