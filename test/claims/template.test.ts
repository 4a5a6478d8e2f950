import { describe, expect, it } from 'vitest';
import { resolveTemplate } from '../../src/claims/index.ts';
import { ehrInput } from './fixtures.ts';

const input = ehrInput();
const value = (template: unknown, from = input) => {
  const resolved = resolveTemplate(template, from);
  return resolved.present ? resolved.value : 'MISSING';
};

describe('resolveTemplate', () => {
  it('keeps the referenced JSON type when the string is exactly one reference', () => {
    expect(value('{{user.attributes.roles}}')).toEqual(['physician', 'admin']);
    expect(value('{{user.attributes.age}}')).toBe(41);
    expect(value('{{user.attributes.active}}')).toBe(true);
    expect(value('{{context.need_patient_banner}}')).toBe(true);
    expect(value('{{user.attributes.unit}}')).toEqual({ code: 'ICU' });
    expect(value('{{ launch.extra.site.id }}')).toBe('s1');
    expect(value('{{user.attributes.roles.1}}')).toBe('admin');
  });

  it('reads every documented source', () => {
    expect(value('{{context.patient}}')).toBe('p123');
    expect(value('{{context.encounter}}')).toBe('e9');
    expect(value('{{user.id}}')).toBe('u1');
    expect(value('{{user.fhirUser}}')).toBe('Practitioner/p1');
    expect(value('{{client.id}}')).toBe('growth-chart');
    expect(value('{{client.name}}')).toBe('Growth Chart');
    expect(value('{{client.metadata.region}}')).toBe('eu');
    expect(value('{{launch.extra.tenant}}')).toBe('north');
    expect(value('{{grant.scope}}')).toBe('launch openid fhirUser patient/*.rs');
    expect(value('{{grant.type}}')).toBe('authorization_code');
  });

  it('interpolates references mixed with text', () => {
    expect(value('Patient/{{context.patient}}')).toBe('Patient/p123');
    expect(value('{{user.attributes.organization_id}}:{{user.attributes.age}}:{{user.attributes.active}}')).toBe('org-7:41:true');
    expect(value(' {{user.attributes.age}}')).toBe(' 41');
  });

  it('omits an interpolated claim when a reference is missing or not a scalar', () => {
    expect(value('Encounter/{{context.nope}}')).toBe('MISSING');
    expect(value('roles: {{user.attributes.roles}}')).toBe('MISSING');
    expect(value('unit: {{user.attributes.unit}}')).toBe('MISSING');
  });

  it('returns literals unchanged, as fresh copies', () => {
    expect(value('plain text')).toBe('plain text');
    expect(value(3.5)).toBe(3.5);
    expect(value(false)).toBe(false);
    const literal = { a: [1, { b: 'c' }] };
    const resolved = value(literal);
    expect(resolved).toEqual(literal);
    expect(resolved).not.toBe(literal);
  });

  it('omits a missing source value instead of writing undefined or null', () => {
    expect(value('{{context.intent}}')).toBe('MISSING');
    expect(value('{{user.attributes.nope.deeper}}')).toBe('MISSING');
    expect(value('{{user.id}}', ehrInput({ user: undefined }))).toBe('MISSING');
    expect(value('{{user.fhirUser}}', ehrInput({ user: { id: 'u', attributes: {} } }))).toBe('MISSING');
    expect(value('{{launch.extra.tenant}}', ehrInput({ launch: undefined }))).toBe('MISSING');
    expect(value('{{context.patient}}', ehrInput({ context: { patient: null } }))).toBe('MISSING');
    expect(value(null)).toBe('MISSING');
    expect(value(undefined)).toBe('MISSING');
  });

  it('omits missing elements of arrays and members of objects', () => {
    expect(value(['{{context.patient}}', '{{context.nope}}', 'x', '{{user.id}}'])).toEqual(['p123', 'x', 'u1']);
    expect(value({ patient: '{{context.patient}}', enc: '{{context.nope}}', deep: { r: '{{user.attributes.roles}}', n: '{{x.y}}' } })).toEqual({
      patient: 'p123',
      deep: { r: ['physician', 'admin'] },
    });
  });

  it('drops null inside referenced values too', () => {
    const from = ehrInput({ user: { id: 'u', attributes: { list: ['a', null, 'b'], obj: { a: null, b: 1 } } } });
    expect(value('{{user.attributes.list}}', from)).toEqual(['a', 'b']);
    expect(value('{{user.attributes.obj}}', from)).toEqual({ b: 1 });
  });

  it('copies referenced arrays and objects, so a token cannot alias user configuration', () => {
    const resolved = value('{{user.attributes.roles}}') as string[];
    resolved.push('root');
    expect(input.user?.attributes.roles).toEqual(['physician', 'admin']);
  });

  describe('prototype safety', () => {
    it('never reads through __proto__, prototype or constructor', () => {
      expect(value('{{user.attributes.__proto__}}')).toBe('MISSING');
      expect(value('{{user.attributes.constructor.prototype}}')).toBe('MISSING');
      expect(value('{{user.attributes.constructor}}')).toBe('MISSING');
      expect(value('{{context.patient.constructor.name}}')).toBe('MISSING');
    });

    it('reads own properties only', () => {
      const attributes = Object.create({ inherited: 'from prototype' }) as Record<string, unknown>;
      attributes.own = 'mine';
      const from = ehrInput({ user: { id: 'u', attributes } });
      expect(value('{{user.attributes.inherited}}', from)).toBe('MISSING');
      expect(value('{{user.attributes.own}}', from)).toBe('mine');
      expect(value('{{user.attributes.toString}}', from)).toBe('MISSING');
      expect(value('{{user.attributes.roles.length}}')).toBe(2); // an own property of arrays
      expect(value('{{user.attributes.roles.map}}')).toBe('MISSING');
    });

    it('does not carry a "__proto__" member of attributes parsed from JSON into a claim', () => {
      const attributes = JSON.parse('{"org":{"__proto__":{"polluted":true},"id":"o1"}}') as Record<string, unknown>;
      const resolved = value('{{user.attributes.org}}', ehrInput({ user: { id: 'u', attributes } })) as Record<string, unknown>;
      expect(Object.keys(resolved)).toEqual(['id']);
      expect(Object.getPrototypeOf(resolved)).toBe(Object.prototype);
      expect(resolved.polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('ignores a __proto__ key in a literal object value', () => {
      const literal = JSON.parse('{"a":1,"__proto__":{"polluted":true}}') as unknown;
      const resolved = value(literal) as Record<string, unknown>;
      expect(resolved).toEqual({ a: 1 });
      expect(resolved.polluted).toBeUndefined();
    });
  });

  it('resolves invalid templates and non-JSON values as missing rather than throwing', () => {
    expect(value('{{env.SECRET}}')).toBe('MISSING');
    expect(value(() => 1)).toBe('MISSING');
    expect(value(Number.NaN)).toBe('MISSING');
    expect(value(10n)).toBe('MISSING');
  });
});
