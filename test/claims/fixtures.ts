import { claimRulesFileSchema, type ClaimInput, type ClaimRulesFile } from '../../src/claims/index.ts';

/** An EHR launch by a clinician, as the token endpoint would describe it. */
export function ehrInput(overrides: Partial<ClaimInput> = {}): ClaimInput {
  return {
    grant: { type: 'authorization_code', scope: 'launch openid fhirUser patient/*.rs' },
    audience: 'http://localhost:3000/fhir',
    launchType: 'ehr',
    client: { id: 'growth-chart', name: 'Growth Chart', metadata: { region: 'eu', tier: 2 } },
    user: {
      id: 'u1',
      fhirUser: 'Practitioner/p1',
      attributes: { roles: ['physician', 'admin'], organization_id: 'org-7', age: 41, active: true, unit: { code: 'ICU' } },
    },
    context: { patient: 'p123', encounter: 'e9', need_patient_banner: true },
    launch: { extra: { tenant: 'north', site: { id: 's1' } } },
    ...overrides,
  };
}

export function backendInput(overrides: Partial<ClaimInput> = {}): ClaimInput {
  return {
    grant: { type: 'client_credentials', scope: 'system/*.rs' },
    audience: 'http://localhost:3000/fhir',
    client: { id: 'eu-analytics', name: 'EU Analytics', metadata: {} },
    context: {},
    ...overrides,
  };
}

/** Parses a rules file or fails the test with the loader-style message. */
export function rules(file: unknown): ClaimRulesFile['rules'] {
  const result = claimRulesFileSchema.safeParse(file);
  if (!result.success) throw new Error(firstProblem(file));
  return result.data.rules;
}

/** The first schema problem as the config loader prints it: `rules[2].accessToken.iss: "iss" is reserved`. */
export function firstProblem(file: unknown): string {
  const result = claimRulesFileSchema.safeParse(file);
  if (result.success) return 'no problem';
  const issue = result.error.issues[0]!;
  const where = issue.path.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i === 0 ? '' : '.'}${String(s)}`)).join('');
  return `${where}: ${issue.message}`;
}
