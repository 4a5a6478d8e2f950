import { describe, expect, it } from 'vitest';
import { FHIR_R4_RESOURCE_TYPES, parseScope, parseScopes, serializeScopes, type ClinicalScope } from '../../src/scopes/index.ts';
import { scope } from './helpers.ts';

function clinical(text: string): ClinicalScope {
  const s = scope(text);
  if (s.kind !== 'clinical') throw new Error(`${text} parsed as ${s.kind}`);
  return s;
}

describe('every example scope on the scopes-and-launch-context page', () => {
  const clinicalExamples: Array<[string, string, string, string]> = [
    // Quick Start
    ['patient/*.rs', 'patient', '*', 'rs'],
    ['user/*.cruds', 'user', '*', 'cruds'],
    // Permissions and v1 compatibility
    ['patient/Observation.cu', 'patient', 'Observation', 'cu'],
    ['patient/Observation.rs', 'patient', 'Observation', 'rs'],
    ['patient/Observation.read', 'patient', 'Observation', 'rs'],
    ['patient/Immunization.read', 'patient', 'Immunization', 'rs'],
    ['patient/Condition.rs', 'patient', 'Condition', 'rs'],
    ['patient/AllergyIntolerance.rs', 'patient', 'AllergyIntolerance', 'rs'],
    // Patient-specific scopes
    ['patient/Patient.r', 'patient', 'Patient', 'r'],
    ['patient/Observation.c', 'patient', 'Observation', 'c'],
    ['patient/*.cruds', 'patient', '*', 'cruds'],
    // User-level scopes
    ['user/Observation.rs', 'user', 'Observation', 'rs'],
    ['user/Appointment.cruds', 'user', 'Appointment', 'cruds'],
    ['user/Patient.rs', 'user', 'Patient', 'rs'],
    // System-level scopes
    ['system/Observation.rs', 'system', 'Observation', 'rs'],
    ['system/*.rs', 'system', '*', 'rs'],
    ['system/Encounter.cud', 'system', 'Encounter', 'cud'],
    // Wildcard scopes table
    ['patient/AllergyIntolerance.cruds', 'patient', 'AllergyIntolerance', 'cruds'],
    ['patient/AllergyIntolerance.cud', 'patient', 'AllergyIntolerance', 'cud'],
    // Appendix: URI representation uses patient/*.r
    ['patient/*.r', 'patient', '*', 'r'],
  ];
  it.each(clinicalExamples)('parses %s as a clinical scope', (text, context, resourceType, permissions) => {
    expect(clinical(text)).toMatchObject({ kind: 'clinical', context, resourceType, permissions, query: [], raw: text });
  });

  it('parses the granular laboratory example into name/value pairs', () => {
    const text = 'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
    expect(clinical(text)).toMatchObject({
      permissions: 'rs', syntax: 'v2',
      query: [['category', 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory']],
    });
  });

  it('accepts the experimental modifier and chaining examples as plain parameters', () => {
    expect(clinical('patient/Observation.rs?code:in=http://valueset.example.org/ValueSet/diabetes-codes').query)
      .toEqual([['code:in', 'http://valueset.example.org/ValueSet/diabetes-codes']]);
    expect(clinical('patient/Observation.rs?patient.birthdate=1990').query).toEqual([['patient.birthdate', '1990']]);
  });

  it.each([
    ['launch', { kind: 'launch' }],
    ['launch/patient', { kind: 'launch', context: 'patient', resourceType: 'Patient' }],
    ['launch/encounter', { kind: 'launch', context: 'encounter', resourceType: 'Encounter' }],
    ['launch/diagnosticreport', { kind: 'launch', context: 'diagnosticreport', resourceType: 'DiagnosticReport' }],
    ['launch/imagingstudy', { kind: 'launch', context: 'imagingstudy', resourceType: 'ImagingStudy' }],
    ['launch/relatedperson?role=friend', { kind: 'launch', context: 'relatedperson', role: 'friend' }],
    ['launch/relatedperson?role=neighbor', { kind: 'launch', context: 'relatedperson', role: 'neighbor' }],
    ['launch/list?role=https://example.org/med-list-at-home', { kind: 'launch', context: 'list', resourceType: 'List', role: 'https://example.org/med-list-at-home' }],
    ['launch/list?role=https://example.org/med-list-at-hospital', { kind: 'launch', role: 'https://example.org/med-list-at-hospital' }],
    ['openid', { kind: 'identity', name: 'openid' }],
    ['fhirUser', { kind: 'identity', name: 'fhirUser' }],
    ['profile', { kind: 'identity', name: 'profile' }],
    ['offline_access', { kind: 'access', name: 'offline_access' }],
    ['online_access', { kind: 'access', name: 'online_access' }],
    ['https://ehr.example.org/scopes/profilePhoto.manage', { kind: 'other' }],
    ['__profilePhoto.manage', { kind: 'other' }],
    ['http://smarthealthit.org/fhir/scopes/patient/*.r', { kind: 'other' }],
  ])('parses %s', (text, expected) => {
    expect(scope(text)).toMatchObject({ ...expected, raw: text });
  });

  it('leaves the bare EHR-launch scope without a context', () => {
    expect(scope('launch')).toEqual({ kind: 'launch', raw: 'launch' });
  });

  it('parses the extension example request and hands it back unchanged', () => {
    const parsed = parseScopes('launch/patient patient/*.rs __profilePhoto.manage');
    expect(parsed.ok && parsed.scopes.map((s) => s.kind)).toEqual(['launch', 'clinical', 'other']);
    expect(parsed.ok && serializeScopes(parsed.scopes)).toBe('launch/patient patient/*.rs __profilePhoto.manage');
  });

  it('refuses the undefined request .dus', () => {
    expect(parseScope('patient/Observation.dus')).toMatchObject({ ok: false });
  });
});

describe('v1 and v2 permissions', () => {
  it.each([
    ['read', 'rs'], ['write', 'cud'], ['*', 'cruds'],
  ])('reads v1 .%s as v2 .%s and remembers the v1 spelling', (v1, v2) => {
    expect(clinical(`patient/Observation.${v1}`)).toMatchObject({ permissions: v2, syntax: 'v1' });
    expect(clinical(`patient/Observation.${v2}`)).toMatchObject({ permissions: v2, syntax: 'v2' });
  });

  it('accepts all 31 non-empty in-order subsets of c-r-u-d-s', () => {
    const subsets: string[] = [];
    for (let mask = 1; mask < 32; mask++) subsets.push([...'cruds'].filter((_, i) => mask & (1 << i)).join(''));
    for (const letters of subsets) expect(clinical(`user/Observation.${letters}`).permissions).toBe(letters);
    expect(new Set(subsets).size).toBe(31);
  });

  it('refuses permissions out of c-r-u-d-s order', () => {
    for (const letters of ['sr', 'rc', 'dus', 'sdurc', 'uc', 'cdr']) {
      const result = parseScope(`patient/Observation.${letters}`);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toContain('c-r-u-d-s order');
    }
  });

  it('refuses a permission letter given twice', () => {
    expect(parseScope('patient/Observation.rrs')).toMatchObject({ ok: false, error: expect.stringContaining("'r' is repeated") });
  });
});

describe('granular scopes', () => {
  it('decodes %7C and %2C for comparison and keeps several parameters joined by &', () => {
    const s = clinical('patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category%7Claboratory&code=http://loinc.org%7C1234-5%2C5678-9');
    expect(s.query).toEqual([
      ['category', 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory'],
      ['code', 'http://loinc.org|1234-5,5678-9'],
    ]);
  });

  it('serialises encoded values in one canonical spelling', () => {
    const encoded = scope('patient/Observation.rs?category=a%7Cb%2Cc');
    const literal = scope('patient/Observation.rs?category=a|b,c');
    expect(serializeScopes([encoded])).toBe('patient/Observation.rs?category=a|b,c');
    expect(serializeScopes([encoded, literal])).toBe('patient/Observation.rs?category=a|b,c');
  });

  it('keeps percent-encoding where a literal would change the meaning', () => {
    expect(serializeScopes([scope('patient/Observation.rs?code=a%26b%25c%20d')])).toBe('patient/Observation.rs?code=a%26b%25c%20d');
    expect(clinical('patient/Observation.rs?code=a%26b%25c%20d').query).toEqual([['code', 'a&b%c d']]);
  });

  it('allows a query on a wildcard resource', () => {
    expect(clinical('patient/*.rs?_security=R').query).toEqual([['_security', 'R']]);
  });
});

describe('unknown scopes', () => {
  it.each(['custom', 'email', 'address', 'OPENID', 'fhiruser', 'smart/orchestrate_launch', 'api:read', 'patient',
    '__darkMode', 'urn:example:scope', 'a/b/c.d', 'patient.Immunization.read', 'Observation.rs'])(
    'keeps %s as an other scope', (text) => {
      expect(parseScope(text)).toEqual({ ok: true, scope: { kind: 'other', raw: text } });
    });
});

describe('parseScopes', () => {
  it('splits on one or more spaces', () => {
    const parsed = parseScopes('  openid   fhirUser launch/patient ');
    expect(parsed.ok && parsed.scopes.map((s) => s.raw)).toEqual(['openid', 'fhirUser', 'launch/patient']);
  });

  it('reads the empty string as no scopes', () => {
    expect(parseScopes('')).toEqual({ ok: true, scopes: [] });
    expect(parseScopes('   ')).toEqual({ ok: true, scopes: [] });
  });

  it('rejects the whole string when one token is malformed, naming that token', () => {
    expect(parseScopes('openid patient/*.sr launch')).toEqual({
      ok: false, error: expect.stringContaining("'patient/*.sr'"),
    });
  });

  it('treats a tab as a character, not a separator', () => {
    expect(parseScopes('openid\tprofile')).toMatchObject({ ok: false, error: expect.stringContaining('U+0009') });
  });
});

describe('FHIR_R4_RESOURCE_TYPES', () => {
  it('holds the 146 concrete R4 resource types and no abstract ones', () => {
    expect(FHIR_R4_RESOURCE_TYPES.size).toBe(146);
    for (const t of ['Patient', 'Observation', 'MedicinalProductUndesirableEffect', 'VisionPrescription', 'Parameters', 'Bundle', 'Binary']) {
      expect(FHIR_R4_RESOURCE_TYPES.has(t)).toBe(true);
    }
    for (const t of ['Resource', 'DomainResource', 'observation', 'Citation', 'SubscriptionTopic']) {
      expect(FHIR_R4_RESOURCE_TYPES.has(t)).toBe(false);
    }
  });
});
