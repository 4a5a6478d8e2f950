import { describe, expect, it } from 'vitest';
import { scopeList, scopeSet } from '../../src/scopes/index.ts';

describe('scope tokens of a scope string (RFC 6749 §3.3)', () => {
  it('lists the space-delimited tokens in order, without empty ones', () => {
    expect(scopeList('openid  patient/*.rs launch ')).toEqual(['openid', 'patient/*.rs', 'launch']);
    expect(scopeList('')).toEqual([]);
  });

  it('answers "was this granted" with a set', () => {
    const granted = scopeSet('openid fhirUser openid');
    expect(granted.has('fhirUser')).toBe(true);
    expect(granted.has('')).toBe(false);
    expect(granted.size).toBe(2);
  });
});
