import { describe, expect, it } from 'vitest';
import { decideAccess, patientCompartment, type AccessToken, type FhirAccessRequest } from '../../src/fhir-access/index.ts';
import { loadFhirDefinitions } from '../../src/fhir/index.ts';
import { parseScopes } from '../../src/scopes/index.ts';

const model = patientCompartment(loadFhirDefinitions().compartment);
const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const VITALS = 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';

function token(scope: string, extra: Partial<AccessToken> = {}): AccessToken {
  const parsed = parseScopes(scope);
  if (!parsed.ok) throw new Error(parsed.error);
  return { scopes: parsed.scopes, userPatients: 'any', ...extra };
}

const search = (resourceType: string, params: Array<[string, string]> = []): FhirAccessRequest => ({
  interaction: 'search-type',
  resourceType,
  params,
});
const read = (resourceType: string, id: string): FhirAccessRequest => ({ interaction: 'read', resourceType, id });

describe('the Patient compartment model', () => {
  it('ties each clinical type to its patient by one search parameter, and leaves shared types alone', () => {
    expect(model.compartmentParam('Patient')).toBe('_id');
    expect(model.compartmentParam('Observation')).toBe('subject');
    expect(model.compartmentParam('Encounter')).toBe('subject');
    expect(model.compartmentParam('AllergyIntolerance')).toBe('patient');
    expect(model.compartmentParam('Condition')).toBe('patient');
    expect(model.compartmentParam('RelatedPerson')).toBe('patient');
    for (const shared of ['Practitioner', 'Organization', 'Location', 'Medication']) expect(model.compartmentParam(shared)).toBeUndefined();
  });
});

describe('decideAccess: scopes v1 and v2', () => {
  it('maps each interaction to its permission letter', () => {
    const t = token('patient/Observation.rs', { patient: 'p001' });
    expect(decideAccess(t, read('Observation', 'o1'), model).allowed).toBe(true);
    expect(decideAccess(t, search('Observation'), model).allowed).toBe(true);
    expect(decideAccess(t, { interaction: 'vread', resourceType: 'Observation', id: 'o1' }, model).allowed).toBe(true);
    expect(decideAccess(t, { interaction: 'history-instance', resourceType: 'Observation', id: 'o1' }, model).allowed).toBe(true);
    for (const interaction of ['create', 'update', 'delete'] as const) {
      const d = decideAccess(t, { interaction, resourceType: 'Observation', id: 'o1' }, model);
      expect(d).toMatchObject({ allowed: false, status: 403, error: 'insufficient_scope' });
    }
  });

  it('reads v1 scopes as v2: .read is rs, .write is cud', () => {
    const t = token('patient/Observation.read patient/Condition.write', { patient: 'p001' });
    expect(decideAccess(t, search('Observation'), model).allowed).toBe(true);
    expect(decideAccess(t, { interaction: 'create', resourceType: 'Observation' }, model).allowed).toBe(false);
    expect(decideAccess(t, { interaction: 'create', resourceType: 'Condition' }, model).allowed).toBe(true);
    expect(decideAccess(t, search('Condition'), model).allowed).toBe(false);
  });

  it('refuses a type no scope names, and honours *', () => {
    expect(decideAccess(token('patient/Observation.rs', { patient: 'p001' }), search('Condition'), model).allowed).toBe(false);
    expect(decideAccess(token('patient/*.r', { patient: 'p001' }), read('Condition', 'c1'), model).allowed).toBe(true);
    expect(decideAccess(token('patient/*.r', { patient: 'p001' }), search('Condition'), model).allowed).toBe(false);
  });
});

describe('decideAccess: patient/ scopes and the compartment', () => {
  const t = token('patient/*.rs', { patient: 'p001' });

  it("adds the token's patient to every search of a compartment type, whatever the query says", () => {
    expect(decideAccess(t, search('Observation', [['patient', 'p002']]), model)).toMatchObject({
      allowed: true,
      via: 'patient',
      addToSearch: [['subject', 'Patient/p001']],
    });
    expect(decideAccess(t, search('Patient', [['_id', 'p002']]), model)).toMatchObject({ addToSearch: [['_id', 'p001']] });
    expect(decideAccess(t, search('AllergyIntolerance'), model)).toMatchObject({ addToSearch: [['patient', 'Patient/p001']] });
  });

  it('filters reads by the same constraint, and leaves types outside the compartment unconstrained', () => {
    expect(decideAccess(t, read('Observation', 'o1'), model)).toMatchObject({ filter: { all: [['subject', 'Patient/p001']], anyOf: [] } });
    expect(decideAccess(t, read('Practitioner', 'pr001'), model)).toMatchObject({ allowed: true, filter: { all: [], anyOf: [] } });
  });

  it('refuses chained and reverse-chained parameters on a constrained search', () => {
    for (const name of ['subject.name', 'subject:Patient.name', '_has:Observation:patient:code']) {
      expect(decideAccess(t, search('Observation', [[name, 'x']]), model)).toMatchObject({ allowed: false, status: 400 });
    }
    expect(decideAccess(t, search('Observation', [['_include', 'Observation:performer']]), model).allowed).toBe(true);
  });

  it('refuses patient/ access without a patient in context', () => {
    expect(decideAccess(token('patient/*.rs'), search('Observation'), model)).toMatchObject({ allowed: false, status: 403 });
  });
});

describe('decideAccess: granular scopes', () => {
  const lab = token(`patient/Observation.rs?category=${LAB}`, { patient: 'p001' });
  const both = token(`patient/Observation.rs?category=${LAB} patient/Observation.rs?category=${VITALS}`, { patient: 'p001' });

  it('adds the restriction to a search that does not carry it', () => {
    expect(decideAccess(lab, search('Observation'), model)).toMatchObject({
      addToSearch: [['subject', 'Patient/p001'], ['category', LAB]],
      filter: { anyOf: [[['category', LAB]]] },
    });
  });

  it('ORs several granular scopes on one parameter into one FHIR OR', () => {
    expect(decideAccess(both, search('Observation'), model)).toMatchObject({
      addToSearch: [['subject', 'Patient/p001'], ['category', `${LAB},${VITALS}`]],
      filter: { anyOf: [[['category', LAB]], [['category', VITALS]]] },
    });
    expect(decideAccess(both, search('Observation', [['category', VITALS]]), model)).toMatchObject({
      addToSearch: [['subject', 'Patient/p001'], ['category', VITALS]],
    });
  });

  it('asks a search to pick an alternative when the scopes restrict different parameters', () => {
    const mixed = token(`patient/Observation.rs?category=${LAB} patient/Observation.rs?code=http://loinc.org|8867-4`, { patient: 'p001' });
    expect(decideAccess(mixed, search('Observation'), model)).toMatchObject({ allowed: false, status: 403 });
    expect(decideAccess(mixed, search('Observation', [['code', 'http://loinc.org|8867-4']]), model).allowed).toBe(true);
  });

  it('a plain scope on the same type lifts the restriction', () => {
    const plain = token(`patient/Observation.rs?category=${LAB} patient/Observation.rs`, { patient: 'p001' });
    expect(decideAccess(plain, search('Observation'), model)).toMatchObject({ addToSearch: [['subject', 'Patient/p001']], filter: { anyOf: [] } });
  });
});

describe('decideAccess: user/ and system/ scopes, and the fhirUser', () => {
  it('lets a practitioner see any patient', () => {
    expect(decideAccess(token('user/*.rs'), search('Observation'), model)).toMatchObject({ allowed: true, via: 'user', addToSearch: [] });
  });

  it('limits a Patient or RelatedPerson user to the patients they may see', () => {
    expect(decideAccess(token('user/*.rs', { userPatients: ['p002'] }), search('Encounter'), model)).toMatchObject({
      addToSearch: [['subject', 'Patient/p002']],
    });
    expect(decideAccess(token('user/*.rs', { userPatients: ['p001', 'p002'] }), search('Patient'), model)).toMatchObject({
      addToSearch: [['_id', 'p001,p002']],
    });
    expect(decideAccess(token('user/*.rs', { userPatients: [] }), search('Patient'), model)).toMatchObject({ allowed: false, status: 403 });
  });

  it('prefers user/ over patient/ when both allow the request', () => {
    const t = token('patient/*.rs user/*.rs', { patient: 'p001' });
    expect(decideAccess(t, search('Encounter'), model)).toMatchObject({ via: 'user', addToSearch: [] });
  });

  it('lets a backend token with system/ scopes see every patient, and only its types', () => {
    const t = token('system/Patient.rs system/Observation.rs');
    expect(decideAccess(t, search('Observation'), model)).toMatchObject({ allowed: true, via: 'system', addToSearch: [] });
    expect(decideAccess(t, search('Condition'), model).allowed).toBe(false);
  });

  it("lets a user read their own fhirUser resource whatever the scopes, and nothing more", () => {
    const t = token('openid fhirUser', { fhirUser: 'RelatedPerson/rp001' });
    expect(decideAccess(t, read('RelatedPerson', 'rp001'), model)).toMatchObject({ allowed: true, via: 'fhirUser' });
    expect(decideAccess(t, read('RelatedPerson', 'rp002'), model).allowed).toBe(false);
    expect(decideAccess(t, { interaction: 'update', resourceType: 'RelatedPerson', id: 'rp001' }, model).allowed).toBe(false);
  });
});
