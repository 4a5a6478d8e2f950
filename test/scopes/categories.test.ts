import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { categoryChoices, negotiateScopes, parseScope, type Scope } from '../../src/scopes/index.ts';

const offer = loadConfig({ SMART_CONFIG_DIR: 'smart-config' }).categories;
const scope = (raw: string): Scope => {
  const parsed = parseScope(raw);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.scope;
};
const ENCOUNTER_DIAGNOSIS = 'patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis';

describe('category choices at consent', () => {
  it('offers one granular scope per US Core category of a resource-level scope', () => {
    const choices = categoryChoices(scope('patient/Condition.rs'), offer);
    expect(choices.map((c) => c.scope)).toContain(ENCOUNTER_DIAGNOSIS);
    expect(choices).toHaveLength(3);
    expect(categoryChoices(scope('user/Observation.rs'), offer).map((c) => c.scope)).toContain(
      'user/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory',
    );
  });

  it('spells the alternatives of a v1 scope in v2, and each parses as a granular scope', () => {
    for (const choice of categoryChoices(scope('patient/Condition.read'), offer)) {
      expect(choice.scope).toMatch(/^patient\/Condition\.rs\?category=/);
      expect(parseScope(choice.scope)).toMatchObject({ ok: true, scope: { kind: 'clinical', query: [['category', expect.any(String)]] } });
    }
  });

  it('offers nothing for wildcards, granular scopes, types without categories and non-clinical scopes', () => {
    for (const raw of ['patient/*.rs', `${ENCOUNTER_DIAGNOSIS}`, 'patient/Patient.rs', 'launch/patient', 'openid'])
      expect(categoryChoices(scope(raw), offer), raw).toEqual([]);
    expect(categoryChoices(scope('patient/Condition.rs'), {})).toEqual([]);
  });

  it('grants exactly the chosen category when the user approves only it', () => {
    const result = negotiateScopes({ requested: 'launch patient/Condition.rs patient/Observation.rs', clientAllowed: 'launch patient/*.rs', grantType: 'authorization_code' });
    expect(result.ok).toBe(true);
    const narrowed = negotiateScopes({ requested: result.ok ? result.scope : '', clientAllowed: `launch ${ENCOUNTER_DIAGNOSIS} patient/Observation.rs`, grantType: 'authorization_code' });
    expect(narrowed).toMatchObject({ ok: true, scope: `launch ${ENCOUNTER_DIAGNOSIS} patient/Observation.rs` });
  });
});
