import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileClaimRules, evaluateClaimRules, mergeCustomClaims, type ClaimRulesFile } from '../../src/claims/index.ts';
import { backendInput, ehrInput, rules } from './fixtures.ts';

const tagRule = (when: unknown) => rules({ rules: [{ when, accessToken: { tag: 'matched' } }] });
const matches = (when: unknown, input = ehrInput()) => evaluateClaimRules(tagRule(when), input).accessToken.tag === 'matched';

describe('evaluateClaimRules: when', () => {
  it('matches every grant when "when" is empty or absent', () => {
    expect(matches({})).toBe(true);
    expect(matches(undefined)).toBe(true);
    expect(matches({}, backendInput())).toBe(true);
  });

  it('matches per client', () => {
    expect(matches({ clients: ['other', 'growth-chart'] })).toBe(true);
    expect(matches({ clients: ['other'] })).toBe(false);
  });

  it('matches per audience, ignoring a trailing slash', () => {
    expect(matches({ audiences: ['http://localhost:3000/fhir'] })).toBe(true);
    expect(matches({ audiences: ['http://localhost:3000/fhir/'] })).toBe(true);
    expect(matches({ audiences: ['http://localhost:3000/fhir'] }, ehrInput({ audience: 'http://localhost:3000/fhir/' }))).toBe(true);
    expect(matches({ audiences: ['https://other.example/fhir'] })).toBe(false);
  });

  it('matches per grant type, refresh included', () => {
    const refresh = ehrInput({ grant: { type: 'refresh_token', scope: 'launch openid' } });
    expect(matches({ grants: ['refresh_token'] }, refresh)).toBe(true);
    expect(matches({ grants: ['authorization_code'] }, refresh)).toBe(false);
    expect(matches({ grants: ['client_credentials'] }, backendInput())).toBe(true);
  });

  it('matches when every listed scope is granted', () => {
    expect(matches({ scopes: ['launch', 'patient/*.rs'] })).toBe(true);
    expect(matches({ scopes: ['launch', 'offline_access'] })).toBe(false);
    expect(matches({ scopes: ['patient/*'] })).toBe(false);
  });

  it('matches per launch type; a client_credentials grant never matches a launch condition', () => {
    expect(matches({ launch: 'ehr' })).toBe(true);
    expect(matches({ launch: 'standalone' })).toBe(false);
    expect(matches({ launch: 'standalone' }, ehrInput({ launchType: 'standalone' }))).toBe(true);
    expect(matches({ launch: 'ehr' }, backendInput())).toBe(false);
    expect(matches({ launch: 'ehr' }, backendInput({ launchType: 'ehr' }))).toBe(false);
  });

  it('requires every given condition', () => {
    expect(matches({ clients: ['growth-chart'], grants: ['authorization_code'], launch: 'ehr', scopes: ['launch'] })).toBe(true);
    expect(matches({ clients: ['growth-chart'], grants: ['client_credentials'] })).toBe(false);
  });
});

describe('evaluateClaimRules: claims', () => {
  it('fills all four targets and omits claims whose source is missing', () => {
    const claims = evaluateClaimRules(
      rules({
        rules: [
          {
            accessToken: { roles: '{{user.attributes.roles}}', nope: '{{user.attributes.nope}}' },
            idToken: { organization: '{{user.attributes.organization_id}}' },
            userinfo: { organization: '{{user.attributes.organization_id}}' },
            tokenResponse: { api_uri: 'https://eu.api.example.org' },
          },
        ],
      }),
      ehrInput(),
    );
    expect(claims).toEqual({
      accessToken: { roles: ['physician', 'admin'] },
      idToken: { organization: 'org-7' },
      userinfo: { organization: 'org-7' },
      tokenResponse: { api_uri: 'https://eu.api.example.org' },
    });
    expect(Object.hasOwn(claims.accessToken, 'nope')).toBe(false);
  });

  it('applies rules in file order: a later rule overrides, a later missing value does not erase', () => {
    const file = rules({
      rules: [
        { accessToken: { level: 'basic', org: 'first' } },
        { when: { clients: ['growth-chart'] }, accessToken: { level: 'gold', org: '{{user.attributes.nope}}' } },
        { when: { clients: ['someone-else'] }, accessToken: { level: 'never' } },
      ],
    });
    expect(evaluateClaimRules(file, ehrInput()).accessToken).toEqual({ level: 'gold', org: 'first' });
  });

  it('runs the example file: tenant on EHR launches, roles for users, api_uri for one backend client', () => {
    const text = readFileSync(new URL('../../smart-config/examples/claims.example.json', import.meta.url), 'utf8');
    const file = rules(JSON.parse(text));
    expect(evaluateClaimRules(file, ehrInput()).accessToken).toEqual({ tenant: 'north', roles: ['physician', 'admin'], organization_id: 'org-7' });
    expect(evaluateClaimRules(file, ehrInput({ launchType: 'standalone', launch: undefined })).accessToken).toEqual({
      roles: ['physician', 'admin'],
      organization_id: 'org-7',
    });
    expect(evaluateClaimRules(file, backendInput())).toEqual({ accessToken: {}, idToken: {}, userinfo: {}, tokenResponse: { api_uri: 'https://eu.api.example.org' } });
    expect(evaluateClaimRules(file, backendInput({ client: { id: 'other', name: 'o', metadata: {} } })).tokenResponse).toEqual({});
  });

  it('returns fresh plain objects on every call', () => {
    const file = rules({ rules: [{ accessToken: { list: ['a'] } }] });
    const first = evaluateClaimRules(file, ehrInput());
    (first.accessToken.list as string[]).push('b');
    expect(evaluateClaimRules(file, ehrInput()).accessToken).toEqual({ list: ['a'] });
    expect(Object.getPrototypeOf(first.accessToken)).toBe(Object.prototype);
  });

  it('skips reserved and __proto__ names even in rules that bypassed the schema', () => {
    const unchecked = [{ when: {}, accessToken: JSON.parse('{"iss":"evil","__proto__":{"polluted":1},"ok":1}') }] as ClaimRulesFile['rules'];
    const claims = compileClaimRules(unchecked).evaluate(ehrInput());
    expect(claims.accessToken).toEqual({ ok: 1 });
    expect((claims.accessToken as { polluted?: unknown }).polluted).toBeUndefined();
  });

  // How fast is for the benchmark, not a test (no timed assertions: a loaded machine is slow).
  it('evaluates a compiled set of 20 rules to every claim of every rule, as the uncompiled rules do', () => {
    const file = rules({
      rules: Array.from({ length: 20 }, (_, i) => ({
        when: { clients: ['growth-chart'], scopes: ['launch'] },
        accessToken: { [`c${i}`]: '{{user.attributes.roles}}', [`t${i}`]: 'Patient/{{context.patient}}' },
      })),
    });
    const compiled = compileClaimRules(file);
    const claims = compiled.evaluate(ehrInput());
    const expected = Array.from({ length: 20 }, (_, i) => [[`c${i}`, ['physician', 'admin']], [`t${i}`, 'Patient/p123']]).flat();
    expect(claims.accessToken).toEqual(Object.fromEntries(expected));
    expect(claims).toEqual(evaluateClaimRules(file, ehrInput()));
  });
});

describe('mergeCustomClaims', () => {
  it('lets service claims win, SMART context names included', () => {
    const service = { iss: 'https://as', sub: 'u1', patient: 'p123', tenant: 'from-launch' };
    const merged = mergeCustomClaims(service, { patient: 'evil', tenant: 'rule', roles: ['nurse'] });
    expect(merged).toEqual({ iss: 'https://as', sub: 'u1', patient: 'p123', tenant: 'from-launch', roles: ['nurse'] });
    expect(merged).not.toBe(service);
    expect(service).toEqual({ iss: 'https://as', sub: 'u1', patient: 'p123', tenant: 'from-launch' });
  });

  it('lets a rule set a context name the launch context does not have', () => {
    expect(mergeCustomClaims({ sub: 'u1', tenant: undefined }, { tenant: 'north' })).toEqual({ sub: 'u1', tenant: 'north' });
  });

  it('never copies __proto__, undefined or null custom values', () => {
    const custom = JSON.parse('{"__proto__":{"polluted":true},"n":null,"ok":1}') as Record<string, unknown>;
    const merged = mergeCustomClaims({}, { ...custom, u: undefined });
    expect(merged).toEqual({ ok: 1 });
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(merged.polluted).toBeUndefined();
  });
});
