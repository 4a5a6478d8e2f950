import { describe, expect, it } from 'vitest';
import { coveredBy, hasScope, sameScope, scopeCovers } from '../../src/scopes/index.ts';
import { scope, scopes } from './helpers.ts';

const covers = (granted: string, requested: string) => scopeCovers(scope(granted), scope(requested));

describe('scopeCovers', () => {
  it('lets a wildcard resource cover any resource type', () => {
    expect(covers('patient/*.rs', 'patient/Observation.r')).toBe(true);
    expect(covers('patient/*.rs', 'patient/*.s')).toBe(true);
  });

  it('does not let one resource type cover the wildcard or another type', () => {
    expect(covers('patient/Observation.rs', 'patient/*.rs')).toBe(false);
    expect(covers('patient/Observation.rs', 'patient/Condition.rs')).toBe(false);
  });

  it('requires every requested permission letter', () => {
    expect(covers('patient/Observation.rs', 'patient/Observation.rs')).toBe(true);
    expect(covers('patient/Observation.rs', 'patient/Observation.cruds')).toBe(false);
    expect(covers('patient/Observation.c', 'patient/Observation.r')).toBe(false);
  });

  it('treats v1 and v2 spellings as the same permissions', () => {
    expect(covers('patient/*.read', 'patient/Observation.rs')).toBe(true);
    expect(covers('patient/Observation.rs', 'patient/Observation.read')).toBe(true);
    expect(covers('user/*.*', 'user/Appointment.cruds')).toBe(true);
    expect(covers('user/*.write', 'user/Appointment.cud')).toBe(true);
    expect(covers('user/*.write', 'user/Appointment.read')).toBe(false);
  });

  it('lets a plain scope cover the same scope narrowed by a query', () => {
    expect(covers('patient/Observation.rs', 'patient/Observation.rs?category=laboratory')).toBe(true);
  });

  it('does not let a granular scope cover the same scope without its query', () => {
    expect(covers('patient/Observation.rs?category=laboratory', 'patient/Observation.rs')).toBe(false);
    expect(covers('patient/Observation.rs?category=laboratory', 'patient/Observation.rs?category=vital-signs')).toBe(false);
  });

  it('lets a granular scope cover a request with the same constraints plus more', () => {
    expect(covers('patient/Observation.rs?category=laboratory', 'patient/Observation.r?code=x&category=laboratory')).toBe(true);
  });

  it('compares query values decoded', () => {
    expect(covers('patient/Observation.rs?category=http://x%7Clab', 'patient/Observation.rs?category=http://x|lab')).toBe(true);
    expect(covers('patient/Observation.rs?code=a,b', 'patient/Observation.rs?code=a%2Cb')).toBe(true);
  });

  it('never lets user/ cover patient/ or the reverse, nor either cover system/', () => {
    expect(covers('user/*.cruds', 'patient/Observation.r')).toBe(false);
    expect(covers('patient/*.cruds', 'user/Observation.r')).toBe(false);
    expect(covers('user/*.cruds', 'system/Observation.r')).toBe(false);
  });

  it('covers launch, identity, access and other scopes only with the same token', () => {
    expect(covers('launch/patient', 'launch/patient')).toBe(true);
    expect(covers('launch', 'launch/patient')).toBe(false);
    expect(covers('launch/list', 'launch/list?role=https://example.org/a')).toBe(false);
    expect(covers('openid', 'openid')).toBe(true);
    expect(covers('openid', 'fhirUser')).toBe(false);
    expect(covers('offline_access', 'online_access')).toBe(false);
    expect(covers('__x', '__x')).toBe(true);
    expect(covers('patient/*.cruds', '__x')).toBe(false);
  });
});

describe('coveredBy', () => {
  it('accepts letters spread over several granted scopes', () => {
    expect(coveredBy(scope('patient/Observation.rs'), scopes('patient/Observation.r patient/*.s'))).toBe(true);
    expect(coveredBy(scope('patient/Observation.rs'), scopes('patient/Observation.r patient/Condition.s'))).toBe(false);
  });
});

describe('scope equivalence and hasScope', () => {
  it('treats Observation.rs and its v1 spelling as the same scope', () => {
    expect(sameScope(scope('patient/Observation.rs'), scope('patient/Observation.read'))).toBe(true);
    expect(sameScope(scope('patient/Observation.rs?a=1&b=2'), scope('patient/Observation.rs?b=2&a=%31'))).toBe(true);
    expect(sameScope(scope('patient/Observation.rs'), scope('patient/Observation.r'))).toBe(false);
  });

  it('finds exact tokens', () => {
    const granted = scopes('launch/patient openid fhirUser offline_access patient/*.read');
    for (const token of ['launch/patient', 'openid', 'fhirUser', 'offline_access', 'patient/*.read', 'patient/*.rs']) {
      expect(hasScope(granted, token)).toBe(true);
    }
    for (const token of ['launch', 'launch/encounter', 'profile', 'online_access', 'patient/*.r', 'patient/Observation.rs', 'not a scope']) {
      expect(hasScope(granted, token)).toBe(false);
    }
  });
});
