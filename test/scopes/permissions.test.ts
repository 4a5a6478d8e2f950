import { describe, expect, it } from 'vitest';
import { isPermitted, type AccessRequest } from '../../src/scopes/index.ts';
import { scopes } from './helpers.ts';

const permitted = (granted: string, request: AccessRequest) => isPermitted(scopes(granted), request);
const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

describe('isPermitted', () => {
  it('maps each interaction to its permission letter', () => {
    const interactions = ['create', 'read', 'update', 'delete', 'search'] as const;
    [...'cruds'].forEach((letter, i) => {
      for (const [j, interaction] of interactions.entries()) {
        expect(permitted(`patient/Observation.${letter}`, { resourceType: 'Observation', interaction })).toBe(i === j);
      }
    });
  });

  it('reads v1 scopes with v2 meaning: read is r and s, write is c, u and d', () => {
    expect(permitted('patient/Observation.read', { resourceType: 'Observation', interaction: 'search' })).toBe(true);
    expect(permitted('patient/Observation.read', { resourceType: 'Observation', interaction: 'update' })).toBe(false);
    expect(permitted('patient/Observation.write', { resourceType: 'Observation', interaction: 'delete' })).toBe(true);
    expect(permitted('patient/Observation.write', { resourceType: 'Observation', interaction: 'read' })).toBe(false);
  });

  it('lets * stand for any resource type', () => {
    expect(permitted('user/*.rs', { resourceType: 'Appointment', interaction: 'read' })).toBe(true);
    expect(permitted('user/Appointment.rs', { resourceType: 'Patient', interaction: 'read' })).toBe(false);
  });

  it('checks the context when one is given', () => {
    expect(permitted('user/*.rs', { context: 'patient', resourceType: 'Observation', interaction: 'read' })).toBe(false);
    expect(permitted('user/*.rs patient/Observation.r', { context: 'patient', resourceType: 'Observation', interaction: 'read' })).toBe(true);
    expect(permitted('system/*.rs', { context: 'system', resourceType: 'Observation', interaction: 'search' })).toBe(true);
    expect(permitted('system/*.rs', { resourceType: 'Observation', interaction: 'search' })).toBe(true);
  });

  it('ignores non-clinical scopes', () => {
    expect(permitted('launch/patient openid fhirUser __Observation.rs', { resourceType: 'Patient', interaction: 'read' })).toBe(false);
  });

  it('allows a search under a granular scope when the search carries the same parameter value', () => {
    const granted = `patient/Observation.rs?category=${LAB}`;
    expect(permitted(granted, { resourceType: 'Observation', interaction: 'search', params: { category: LAB } })).toBe(true);
    expect(permitted(granted, { resourceType: 'Observation', interaction: 'search', params: { category: LAB, code: 'x' } })).toBe(true);
    expect(permitted(granted, { resourceType: 'Observation', interaction: 'search', params: { category: 'vital-signs' } })).toBe(false);
    expect(permitted(granted, { resourceType: 'Observation', interaction: 'search', params: { code: 'x' } })).toBe(false);
    expect(permitted(granted, { resourceType: 'Observation', interaction: 'search' })).toBe(false);
  });

  it('compares the encoded scope value with the decoded request value', () => {
    expect(permitted('patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category%7Claboratory',
      { resourceType: 'Observation', interaction: 'search', params: { category: LAB } })).toBe(true);
  });

  it('treats comma-separated values as alternatives that must all lie within the scope', () => {
    const granted = 'patient/Observation.rs?code=a,b';
    expect(permitted(granted, { resourceType: 'Observation', interaction: 'search', params: { code: 'a' } })).toBe(true);
    expect(permitted(granted, { resourceType: 'Observation', interaction: 'search', params: { code: 'b,a' } })).toBe(true);
    expect(permitted(granted, { resourceType: 'Observation', interaction: 'search', params: { code: 'a,c' } })).toBe(false);
    expect(permitted('patient/Observation.rs?code=a', { resourceType: 'Observation', interaction: 'search', params: { code: 'a,b' } })).toBe(false);
  });

  it('accepts a repeated parameter when one of its values lies within the scope', () => {
    expect(permitted('patient/Observation.rs?category=laboratory',
      { resourceType: 'Observation', interaction: 'search', params: { category: ['vital-signs', 'laboratory'] } })).toBe(true);
    expect(permitted('patient/Observation.rs?category=laboratory',
      { resourceType: 'Observation', interaction: 'search', params: { category: [] } })).toBe(false);
  });

  it('requires every constraint of a granular scope', () => {
    const granted = 'patient/Observation.rs?category=laboratory&status=final';
    expect(permitted(granted, { resourceType: 'Observation', interaction: 'search', params: { category: 'laboratory' } })).toBe(false);
    expect(permitted(granted, { resourceType: 'Observation', interaction: 'search', params: { category: 'laboratory', status: 'final' } })).toBe(true);
  });

  it('allows a read under a granular scope only with the target resource values supplied', () => {
    const granted = 'patient/Observation.rs?category=laboratory';
    expect(permitted(granted, { resourceType: 'Observation', interaction: 'read' })).toBe(false);
    expect(permitted(granted, { resourceType: 'Observation', interaction: 'read', params: { category: 'laboratory' } })).toBe(true);
  });

  it('lets a plain scope allow what a granular one does not', () => {
    expect(permitted('patient/Observation.rs?category=laboratory patient/Observation.r', { resourceType: 'Observation', interaction: 'read' })).toBe(true);
  });

  it('does not read inherited object properties as parameters', () => {
    expect(permitted('patient/Observation.rs?constructor=x', { resourceType: 'Observation', interaction: 'search', params: {} })).toBe(false);
  });

  it('permits nothing with no grant', () => {
    expect(isPermitted([], { resourceType: 'Patient', interaction: 'read' })).toBe(false);
  });
});
