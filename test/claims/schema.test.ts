import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { claimRulesFileSchema, RESERVED } from '../../src/claims/index.ts';
import { firstProblem } from './fixtures.ts';

const file = (...rules: unknown[]) => ({ rules });

describe('claims.json schema', () => {
  it('accepts the documented example file', () => {
    const text = readFileSync(new URL('../../smart-config/examples/claims.example.json', import.meta.url), 'utf8');
    const parsed = claimRulesFileSchema.parse(JSON.parse(text));
    expect(parsed.rules).toHaveLength(3);
    expect(parsed.rules[2]?.tokenResponse).toEqual({ api_uri: 'https://eu.api.example.org' });
  });

  it('accepts an empty rule list and a rule without when (it matches every grant)', () => {
    expect(claimRulesFileSchema.parse({ rules: [] })).toEqual({ rules: [] });
    expect(claimRulesFileSchema.parse(file({ accessToken: { a: 1 } })).rules[0]?.when).toEqual({});
  });

  it.each([
    ['accessToken', 'iss'],
    ['accessToken', 'cnf'],
    ['accessToken', 'client_id'],
    ['idToken', 'nonce'],
    ['idToken', 'at_hash'],
    ['idToken', 'sub'],
    ['userinfo', 'sub'],
    ['tokenResponse', 'access_token'],
    ['tokenResponse', 'expires_in'],
    ['tokenResponse', 'scope'],
  ])('refuses the reserved %s name "%s" with the rule index', (target, name) => {
    const rules = [{ accessToken: { fine: 1 } }, { accessToken: { fine: 2 } }, { [target]: { ok: 'x', [name]: 'v' } }];
    expect(firstProblem(file(...rules))).toBe(`rules[2].${target}.${name}: "${name}" is reserved`);
  });

  it('reserves exactly the documented names per target', () => {
    expect([...RESERVED.accessToken].sort()).toEqual(['aud', 'client_id', 'cnf', 'exp', 'iat', 'iss', 'jti', 'nbf', 'scope', 'sub']);
    expect(RESERVED.idToken.size).toBe(14);
    expect([...RESERVED.userinfo]).toEqual(['sub']);
    expect(RESERVED.tokenResponse.has('state')).toBe(true);
  });

  it('lets a rule set SMART context names; the merge keeps the context value', () => {
    const parsed = claimRulesFileSchema.safeParse(file({ accessToken: { patient: 'x', tenant: 't', fhirContext: [] } }));
    expect(parsed.success).toBe(true);
  });

  it.each([
    ['{{env.SECRET}}', 'unknown template source'],
    ['{{process.env.HOME}}', 'unknown template source'],
    ['{{user.email}}', 'unknown template source'],
    ['{{user.id.x}}', 'has no members'],
    ['{{user.attributes}}', 'name a member'],
    ['{{context}}', 'name a member'],
    ['{{}}', 'empty path segment'],
    ['{{user..id}}', 'empty path segment'],
    ['{{user.id', 'malformed template'],
  ])('refuses the template %s', (template, problem) => {
    expect(firstProblem(file({ accessToken: { x: template } }))).toMatch(new RegExp(`^rules\\[0\\]\\.accessToken\\.x: .*${problem}`));
  });

  it.each(['__proto__', 'prototype', 'constructor'])('refuses a "%s" path segment, also nested in arrays and objects', (segment) => {
    expect(firstProblem(file({ idToken: { x: `{{user.attributes.${segment}.polluted}}` } }))).toBe(
      `rules[0].idToken.x: {{user.attributes.${segment}.polluted}}: "${segment}" is not allowed in a template path`,
    );
    expect(firstProblem(file({ idToken: { x: { y: ['a', `{{context.${segment}}}`] } } }))).toMatch(/^rules\[0\]\.idToken\.x\.y\[1\]: /);
  });

  it('refuses a __proto__ claim name or object key from JSON text', () => {
    const asClaim = JSON.parse('{"rules":[{"accessToken":{"__proto__":{"polluted":true}}}]}');
    expect(firstProblem(asClaim)).toBe('rules[0].accessToken.__proto__: "__proto__" is not allowed as a claim name');
    const asKey = JSON.parse('{"rules":[{"accessToken":{"x":{"__proto__":{"polluted":true}}}}]}');
    expect(firstProblem(asKey)).toBe('rules[0].accessToken.x.__proto__: "__proto__" is not allowed as a key');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses null values, which would write null into a token', () => {
    expect(firstProblem(file({ accessToken: { x: [1, null] } }))).toBe(
      'rules[0].accessToken.x[1]: null is not allowed (leave the claim out instead)',
    );
  });

  it('checks when: known keys, known grants and launch types, non-empty lists, scope tokens', () => {
    expect(firstProblem(file({ when: { client: ['a'] }, accessToken: { a: 1 } }))).toMatch(/^rules\[0\]\.when: .*client/);
    expect(firstProblem(file({ when: { grants: ['password'] }, accessToken: { a: 1 } }))).toMatch(/^rules\[0\]\.when\.grants\[0\]: must be/);
    expect(firstProblem(file({ when: { launch: 'backend' }, accessToken: { a: 1 } }))).toMatch(/^rules\[0\]\.when\.launch: must be "ehr" or "standalone"/);
    expect(firstProblem(file({ when: { clients: [] }, accessToken: { a: 1 } }))).toMatch(/^rules\[0\]\.when\.clients: list at least one/);
    expect(firstProblem(file({ when: { scopes: ['a b'] }, accessToken: { a: 1 } }))).toMatch(/^rules\[0\]\.when\.scopes\[0\]: must be one scope token/);
  });

  it('refuses a rule that sets nothing, and unknown rule keys', () => {
    expect(firstProblem(file({ when: { clients: ['a'] } }))).toMatch(/^rules\[0\]: a rule must set at least one of/);
    expect(firstProblem(file({ access_token: { a: 1 } }))).toMatch(/^rules\[0\]: .*access_token/);
  });
});
