import { describe, expect, it } from 'vitest';
import { parseScope, parseScopes } from '../../src/scopes/index.ts';
import { ERROR_DESCRIPTION } from './helpers.ts';

describe('malformed scopes', () => {
  const cases: Array<[string, string]> = [
    ['group/Patient.rs', "unknown context 'group'"],
    ['Patient/Observation.rs', "unknown context 'Patient'"],
    ['patients/Observation.read', "unknown context 'patients'"],
    ['encounter/*.rs?category=x', "unknown context 'encounter'"],
    ['patient/Observation.sr', 'c-r-u-d-s order'],
    ['patient/Observation.dus', 'c-r-u-d-s order'],
    ['patient/Observation.rr', 'repeated'],
    ['patient/Observation.rsx', "unknown permission 'x'"],
    ['system/Encounter.cudq', "unknown permission 'q'"],
    ['patient/Observation.', "no permissions after '.'"],
    ['patient/Observation', "missing '.'"],
    ['patient/', 'missing resource type'],
    ['patient/.rs', 'missing resource type'],
    ['patient/Foo.rs', "unknown FHIR R4 resource type 'Foo'"],
    ['patient/observation.rs', 'did you mean Observation?'],
    ['patient/DomainResource.rs', "unknown FHIR R4 resource type 'DomainResource'"],
    ['system/**.rs', "unknown FHIR R4 resource type '**'"],
    ['patient/Observation/123.rs', "unknown FHIR R4 resource type 'Observation/123'"],
    ['patient/*.readrs', 'mix v1'],
    ['patient/*.rsread', 'mix v1'],
    ['patient/Observation.*rs', 'mix v1'],
    ['user/Observation.write.read', 'mix v1'],
    ['patient/Observation.READ', "use 'read'"],
    ['patient/Observation.RS', "use 'rs'"],
    ['patient/Observation.read?category=laboratory', 'a query needs v2 permissions'],
    ['patient/Observation.*?category=laboratory', 'a query needs v2 permissions'],
    ['patient/Observation.rs?', "empty query after '?'"],
    ['patient/Observation.rs?=laboratory', 'empty name'],
    ['patient/Observation.rs?category', "has no '=value'"],
    ['patient/Observation.rs?category=', 'empty value'],
    ['patient/Observation.rs?category=a&&code=b', "stray '&'"],
    ['patient/Observation.rs?category=a&', "stray '&'"],
    ['patient/Observation.rs?category=%ZZ', 'malformed percent-encoding'],
    ['patient/Observation.rs?category=%E0%A4%A', 'malformed percent-encoding'],
    ['launch/', 'missing launch context'],
    ['launch/Patient', 'use launch/patient'],
    ['launch/diagnostic-report', 'lower-case resource type name'],
    ['launch/list?role=', 'empty value'],
    ['launch/list?role=a&role=b', 'at most one role'],
    ['launch/list?intent=reconcile', 'only ?role='],
    ['a"b', 'U+0022'],
    ['back\\slash', 'U+005C'],
    ['caf\u00e9', 'U+00E9'],
    ['', 'empty scope token'],
  ];

  it.each(cases)('rejects %s with a clear reason', (text, reason) => {
    let result: ReturnType<typeof parseScope> | undefined;
    expect(() => { result = parseScope(text); }).not.toThrow();
    expect(result).toMatchObject({ ok: false });
    const error = result && !result.ok ? result.error : '';
    expect(error).toContain(reason);
    expect(error.startsWith('invalid scope')).toBe(true);
    expect(error).toMatch(ERROR_DESCRIPTION);
  });

  it('has at least thirty malformed cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it('shortens a very long scope in the error', () => {
    const result = parseScope(`patient/Observation.rs?code=${'x'.repeat(5000)}&`);
    expect(!result.ok && result.error.length).toBeLessThan(300);
  });

  it('survives non-string input from untyped callers', () => {
    expect(parseScope(undefined as unknown as string).ok).toBe(false);
    expect(parseScopes(null as unknown as string).ok).toBe(false);
  });
});
