import { describe, expect, it } from 'vitest';
import {
  coveredBy, FHIR_R4_RESOURCE_TYPES, formatScope, narrowToGrant, negotiateScopes, parseScopes, serializeScopes, type Scope,
} from '../../src/scopes/index.ts';
import { ERROR_DESCRIPTION } from './helpers.ts';

// mulberry32: a small seeded PRNG, so every run generates the same strings.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES = [...FHIR_R4_RESOURCE_TYPES];

function generator(seed: number) {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const repeat = (max: number, part: () => string, sep = '') => Array.from({ length: 1 + int(max) }, part).join(sep);

  const permissions = () => pick([
    () => [...'cruds'].filter(() => random() < 0.5).join('') || 'r',
    () => pick(['read', 'write', '*']),
    () => repeat(5, () => pick([...'crudsx*R'])),
    () => pick(['readrs', 'sr', 'dus', '']),
  ])();
  const goodValuePart = () => pick(['a', 'Z', '9', '|', '%7C', '%7c', ',', '%2C', '%20', '%25', '%26', '%3D', '=', '%C3%A9',
    '%E2%9C%93', '/', ':', '.', '-', '+', '%2B', '?', '~', 'http://loinc.org|', 'laboratory']);
  const valuePart = () => (random() < 0.97 ? goodValuePart() : pick(['%ZZ', '%', '%E0%A4%A']));
  const goodName = () => pick(['category', 'code', 'code:in', 'patient.birthdate', '_security', 'a%3Db', 'x%26y', '%C3%A9']);
  const name = () => (random() < 0.95 ? goodName() : '');
  const param = () => (random() < 0.95 ? `${name()}=${repeat(4, valuePart)}` : pick([name(), '']));
  const query = () => repeat(3, param, '&');
  const clinical = () => {
    if (random() < 0.3) return `${pick(['patient', 'user', 'system'])}/${pick([pick(TYPES), '*'])}.${pick(['rs', 'r', 'cruds', 'cu'])}?${query()}`;
    const context = pick(['patient', 'patient', 'user', 'system', 'group', 'Patient', '']);
    const type = pick([pick(TYPES), pick(TYPES), '*', pick(TYPES).toLowerCase(), 'Foo', '']);
    return `${context}/${type}.${permissions()}${random() < 0.4 ? `?${query()}` : ''}`;
  };
  const launch = () => pick(['launch', 'launch/patient', 'launch/encounter', `launch/${pick(TYPES).toLowerCase()}`,
    `launch/list?role=${repeat(3, valuePart)}`, 'launch/Patient', 'launch/', 'launch/list?role=a&role=b']);
  const fixed = () => pick(['openid', 'fhirUser', 'profile', 'offline_access', 'online_access', '__darkMode',
    'https://ehr.example.org/scopes/profilePhoto.manage', 'custom:scope']);
  const garbage = () => repeat(12, () => String.fromCharCode(0x21 + int(0x5e)));
  const token = () => pick([clinical, clinical, clinical, launch, fixed, garbage])();
  return () => repeat(4, token, ' '.repeat(1 + int(2)));
}

function withoutRaw(scope: Scope): Omit<Scope, 'raw'> {
  const { raw: _raw, ...rest } = scope;
  return rest;
}

describe('parse -> serialise -> parse', () => {
  it('is stable for five thousand generated scope strings and never throws', () => {
    const next = generator(20240601);
    let parsedCount = 0;
    let rejectedCount = 0;
    for (let i = 0; i < 5000; i++) {
      const input = next();
      const first = parseScopes(input);
      if (!first.ok) {
        rejectedCount++;
        expect(first.error, input).toMatch(ERROR_DESCRIPTION);
        expect(first.error.startsWith('invalid scope'), input).toBe(true);
        continue;
      }
      parsedCount++;
      const text = serializeScopes(first.scopes);
      const second = parseScopes(text);
      expect(second.ok, `${input} -> ${text}`).toBe(true);
      if (!second.ok) continue;
      expect(serializeScopes(second.scopes), input).toBe(text);
      const unique = [...new Map(first.scopes.map((s) => [formatScope(s), s])).values()];
      expect(second.scopes.map(withoutRaw), input).toEqual(unique.map(withoutRaw));
    }
    // Both branches must really be exercised.
    expect(parsedCount).toBeGreaterThan(1000);
    expect(rejectedCount).toBeGreaterThan(1000);
  });

  it('never throws on arbitrary Unicode input', () => {
    const random = prng(7);
    for (let i = 0; i < 2000; i++) {
      const input = Array.from({ length: Math.floor(random() * 40) }, () => String.fromCodePoint(Math.floor(random() * 0x2fff))).join('');
      const result = parseScopes(input);
      if (!result.ok) expect(result.error).toMatch(ERROR_DESCRIPTION);
      else expect(() => serializeScopes(result.scopes)).not.toThrow();
    }
  });
});

describe('negotiateScopes on generated requests', () => {
  it('grants only what both the request and the registration cover, and the grant refreshes to itself', () => {
    const next = generator(99);
    const valid = (): string => {
      for (;;) {
        const text = next();
        if (parseScopes(text).ok) return text;
      }
    };
    let nonEmpty = 0;
    for (let i = 0; i < 1500; i++) {
      const requested = valid();
      const clientAllowed = `${valid()} ${valid()}`;
      const grantType = (['authorization_code', 'refresh_token', 'client_credentials'] as const)[i % 3] ?? 'authorization_code';
      const result = negotiateScopes({ requested, clientAllowed, grantType });
      expect(result.ok).toBe(true);
      if (!result.ok) continue;
      const asked = parseScopes(requested);
      const allowed = parseScopes(clientAllowed);
      if (!asked.ok || !allowed.ok) continue;
      for (const g of result.granted) {
        const where = `${requested} / ${clientAllowed} -> ${formatScope(g)}`;
        expect(coveredBy(g, asked.scopes), where).toBe(true);
        expect(coveredBy(g, allowed.scopes), where).toBe(true);
        if (g.kind === 'clinical') expect(g.context === 'system', where).toBe(grantType === 'client_credentials');
      }
      expect(result.scope).toBe(serializeScopes(result.granted));
      if (result.scope !== '') {
        nonEmpty++;
        expect(narrowToGrant(result.scope, result.scope)).toMatchObject({ ok: true, scope: result.scope });
      }
    }
    expect(nonEmpty).toBeGreaterThan(100);
  });
});
