import { describe, expect, it } from 'vitest';
import { narrowToGrant, negotiateScopes, type GrantType } from '../../src/scopes/index.ts';

function granted(requested: string, clientAllowed: string, options: { approved?: string[]; grantType?: GrantType } = {}): string {
  const result = negotiateScopes({ requested, clientAllowed, grantType: options.grantType ?? 'authorization_code', ...(options.approved ? { approved: options.approved } : {}) });
  if (!result.ok) throw new Error(result.error);
  return result.scope;
}

describe('negotiateScopes: narrowing clinical scopes to what the client may have', () => {
  it('narrows patient/*.cruds to patient/*.rs for a client allowed patient/*.rs', () => {
    expect(granted('patient/*.cruds', 'patient/*.rs')).toBe('patient/*.rs');
  });

  it('narrows patient/Observation.cruds to patient/Observation.rs for a client allowed patient/*.rs', () => {
    expect(granted('patient/Observation.cruds', 'patient/*.rs')).toBe('patient/Observation.rs');
  });

  it('grants what was asked when the client may have more', () => {
    expect(granted('patient/Observation.rs user/Patient.r', 'patient/*.cruds user/*.cruds')).toBe('patient/Observation.rs user/Patient.r');
  });

  it('narrows a wildcard request to the resource types the client may have', () => {
    expect(granted('patient/*.rs', 'patient/Observation.rs patient/Condition.r')).toBe('patient/Observation.rs patient/Condition.r');
  });

  it('merges letters allowed by several registered scopes into one scope', () => {
    expect(granted('patient/Observation.rs', 'patient/Observation.r patient/Observation.s')).toBe('patient/Observation.rs');
  });

  it('grants nothing for a scope of another context', () => {
    expect(granted('user/Observation.rs', 'patient/*.cruds')).toBe('');
    expect(granted('patient/Observation.rs', 'user/*.cruds')).toBe('');
  });

  it('adds the registered query to an unrestricted request', () => {
    expect(granted('patient/Observation.rs', 'patient/Observation.rs?category=laboratory')).toBe('patient/Observation.rs?category=laboratory');
  });

  it('keeps a granular request when the client may have the plain scope', () => {
    expect(granted('patient/Observation.rs?category=http://x%7Clab', 'patient/*.rs')).toBe('patient/Observation.rs?category=http://x|lab');
  });
});

describe('negotiateScopes: v1 requests', () => {
  it('returns v1 scopes when v1 scopes are requested and granted', () => {
    expect(granted('patient/*.read user/Observation.write', 'patient/*.cruds user/*.cruds')).toBe('patient/*.read user/Observation.write');
  });

  it('returns the v1 word when the narrowed letters have one', () => {
    expect(granted('patient/*.*', 'patient/*.rs')).toBe('patient/*.read');
    expect(granted('patient/*.read', 'patient/Observation.rs')).toBe('patient/Observation.read');
  });

  it('returns the v2 form when the narrowed letters have no v1 word', () => {
    expect(granted('patient/*.read', 'patient/*.r')).toBe('patient/*.r');
    expect(granted('patient/Observation.write', 'patient/*.cu')).toBe('patient/Observation.cu');
    expect(granted('patient/Observation.read', 'patient/Observation.rs?category=lab')).toBe('patient/Observation.rs?category=lab');
  });
});

describe('negotiateScopes: launch, identity, refresh and other scopes', () => {
  it('grants them only when the client is registered for the same exact token', () => {
    expect(granted('launch launch/patient launch/encounter openid fhirUser profile offline_access online_access',
      'launch/patient openid fhirUser online_access')).toBe('launch/patient openid fhirUser online_access');
  });

  it('does not let launch/list stand for launch/list with a role', () => {
    expect(granted('launch/list?role=https://example.org/med-list-at-home', 'launch/list')).toBe('');
    expect(granted('launch/list?role=https://example.org/med-list-at-home', 'launch/list?role=https://example.org/med-list-at-home'))
      .toBe('launch/list?role=https://example.org/med-list-at-home');
  });

  it('preserves unknown scopes the client is registered for, and drops others without error', () => {
    expect(granted('__profilePhoto.manage https://ehr.example.org/scopes/x patient/*.rs', '__profilePhoto.manage patient/*.rs'))
      .toBe('__profilePhoto.manage patient/*.rs');
  });
});

describe('negotiateScopes: grant types', () => {
  const allowed = 'launch openid offline_access patient/*.rs user/*.rs system/*.rs __custom';
  const requested = 'launch openid offline_access patient/*.rs user/*.rs system/*.rs __custom';

  it('grants system/ scopes only under client_credentials', () => {
    expect(granted(requested, allowed, { grantType: 'client_credentials' })).toBe('system/*.rs __custom');
  });

  it('grants no system/ scope in authorization_code or refresh_token', () => {
    const expected = 'launch openid offline_access patient/*.rs user/*.rs __custom';
    expect(granted(requested, allowed, { grantType: 'authorization_code' })).toBe(expected);
    expect(granted(requested, allowed, { grantType: 'refresh_token' })).toBe(expected);
  });
});

describe('negotiateScopes: what the user approved', () => {
  const allowed = 'launch/patient openid fhirUser patient/*.cruds';

  it('grants only the approved tokens', () => {
    expect(granted('launch/patient openid fhirUser patient/Observation.rs patient/Condition.rs', allowed,
      { approved: ['launch/patient', 'patient/Condition.rs'] })).toBe('launch/patient patient/Condition.rs');
  });

  it('ignores approvals for scopes that were not requested', () => {
    expect(granted('patient/Observation.rs', allowed, { approved: ['patient/Observation.rs', 'patient/*.cruds', 'openid'] }))
      .toBe('patient/Observation.rs');
  });

  it('grants nothing when nothing was approved', () => {
    expect(granted('openid patient/*.rs', allowed, { approved: [] })).toBe('');
  });

  it('still narrows approved scopes to what the client may have', () => {
    expect(granted('patient/*.read', 'patient/*.r', { approved: ['patient/*.read'] })).toBe('patient/*.r');
  });
});

describe('negotiateScopes: results and errors', () => {
  it('keeps the request order and drops duplicates', () => {
    expect(granted('patient/*.rs openid patient/*.rs launch openid', 'openid launch patient/*.cruds')).toBe('patient/*.rs openid launch');
  });

  it('grants the empty string for an empty request', () => {
    expect(negotiateScopes({ requested: '', clientAllowed: 'openid', grantType: 'authorization_code' })).toEqual({ ok: true, granted: [], scope: '' });
  });

  it('reports a malformed request, registration or approval', () => {
    expect(negotiateScopes({ requested: 'patient/*.sr', clientAllowed: 'patient/*.rs', grantType: 'authorization_code' }))
      .toMatchObject({ ok: false, error: expect.stringContaining('c-r-u-d-s order') });
    expect(negotiateScopes({ requested: 'openid', clientAllowed: 'group/*.rs', grantType: 'authorization_code' }))
      .toMatchObject({ ok: false, error: expect.stringContaining("client's registered scope is invalid") });
    expect(negotiateScopes({ requested: 'openid', clientAllowed: 'openid', approved: ['patient/Foo.rs'], grantType: 'authorization_code' }))
      .toMatchObject({ ok: false, error: expect.stringContaining('unknown FHIR R4 resource type') });
  });
});

describe('narrowToGrant: refresh requests', () => {
  const original = 'launch/patient openid fhirUser offline_access patient/*.read';

  it('accepts the original set', () => {
    expect(narrowToGrant(original, original)).toMatchObject({ ok: true, scope: original });
  });

  it('accepts a subset, in either spelling', () => {
    expect(narrowToGrant('patient/Observation.rs openid', original)).toMatchObject({ ok: true, scope: 'patient/Observation.rs openid' });
    expect(narrowToGrant('patient/*.rs', original)).toMatchObject({ ok: true, scope: 'patient/*.rs' });
  });

  it('accepts letters covered by different scopes of the original grant', () => {
    expect(narrowToGrant('patient/Observation.rs', 'patient/Observation.r patient/*.s')).toMatchObject({ ok: true });
  });

  it('reads an empty request as the original grant', () => {
    expect(narrowToGrant('', original)).toMatchObject({ ok: true, scope: original });
  });

  it('refuses anything beyond the original grant', () => {
    for (const requested of ['patient/*.cruds', 'user/Observation.rs', 'launch', 'profile', 'online_access', 'openid __extra']) {
      expect(narrowToGrant(requested, original)).toMatchObject({ ok: false, error: expect.stringContaining('not part of the original grant') });
    }
  });

  it('refuses a plain scope when only a granular one was granted', () => {
    expect(narrowToGrant('patient/Observation.rs', 'patient/Observation.rs?category=lab').ok).toBe(false);
    expect(narrowToGrant('patient/Observation.r?category=lab', 'patient/Observation.rs?category=lab').ok).toBe(true);
  });

  it('reports malformed input', () => {
    expect(narrowToGrant('patient/*.sr', original)).toMatchObject({ ok: false, error: expect.stringContaining('c-r-u-d-s') });
    expect(narrowToGrant('openid', 'patient/*.sr')).toMatchObject({ ok: false, error: expect.stringContaining('original grant is invalid') });
  });
});

describe('negotiateScopes, asked again', () => {
  it('gives the same answer, which no caller can change, and tells apart inputs that differ only in approval', () => {
    const input = { requested: 'system/Patient.rs system/Observation.cruds', clientAllowed: 'system/*.rs', grantType: 'client_credentials' as const };
    const first = negotiateScopes(input);
    const again = negotiateScopes({ ...input });
    expect(again).toEqual(first);
    expect(first).toMatchObject({ ok: true, scope: 'system/Patient.rs system/Observation.rs' });
    if (!again.ok) throw new Error('expected a grant');
    expect(() => again.granted.push(again.granted[0]!)).toThrow(TypeError);
    expect(negotiateScopes(input)).toMatchObject({ scope: 'system/Patient.rs system/Observation.rs' });

    const code = { requested: 'launch patient/*.rs', clientAllowed: 'launch patient/*.rs', grantType: 'authorization_code' as const };
    expect(negotiateScopes(code)).toMatchObject({ scope: 'launch patient/*.rs' });
    expect(negotiateScopes({ ...code, approved: ['patient/*.rs'] })).toMatchObject({ scope: 'patient/*.rs' });
    expect(negotiateScopes({ ...code, approved: [] })).toMatchObject({ scope: '' });
  });
});

describe('negotiateScopes, asked for inputs whose text runs together', () => {
  it('keeps the answers apart when the same characters are split differently between request and registration', () => {
    const a = negotiateScopes({ requested: 'system/Patient.cruds\nsystem/Observation.rs', clientAllowed: 'system/*.rs', grantType: 'client_credentials' });
    const b = negotiateScopes({ requested: 'system/Patient.cruds', clientAllowed: 'system/Observation.rs\nsystem/*.rs', grantType: 'client_credentials' });
    // The request is at fault in the first, the registration in the second: each answer says so.
    expect(a).toMatchObject({ ok: false, error: expect.stringMatching(/^invalid scope: .*U\+000A/) });
    expect(b).toMatchObject({ ok: false, error: expect.stringMatching(/^client's registered scope is invalid/) });
  });
});
