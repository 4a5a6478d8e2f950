import type { Scope } from '../scopes/index.ts';

const ACTIONS: Record<string, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };
const WHOSE = { patient: "the patient's", user: 'every patient you can see:', system: 'all' } as const;

/** A scope in plain words for the consent page; `userIsPatient`: the user is the patient (no one was selected). */
export function describeScope(scope: Scope, options: { userIsPatient?: boolean } = {}): string {
  if (options.userIsPatient && scope.raw === 'launch/patient') return 'Know that you are the patient (your own record)';
  switch (scope.kind) {
    case 'clinical': {
      const actions = [...scope.permissions].map((p) => ACTIONS[p] ?? p);
      const what = scope.resourceType === '*' ? 'health records of any kind' : `${splitCamel(scope.resourceType)} records`;
      const filter = scope.query.length ? ` (only where ${scope.query.map(([k, v]) => `${k} = ${v}`).join(' and ')})` : '';
      return `${capitalise(listJoin(actions))} ${WHOSE[scope.context]} ${what}${filter}`;
    }
    default:
      return KNOWN[scope.raw] ?? (scope.raw.startsWith('launch/') ? `Know which ${scope.raw.slice(7)} is open` : `Use "${scope.raw}"`);
  }
}

const KNOWN: Record<string, string> = {
  launch: 'Know the patient and context the EHR opened the app with',
  'launch/patient': 'Know which patient you selected',
  'launch/encounter': 'Know which encounter you selected',
  openid: 'Know who you are (sign-in)',
  fhirUser: 'Know your user record (practitioner, patient or related person)',
  profile: 'Know your profile',
  offline_access: 'Keep access after you close the app, until you revoke it',
  online_access: 'Keep access while you stay signed in',
};

function splitCamel(s: string): string {
  return s.replace(/([a-z])([A-Z])/g, '$1 $2');
}
function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
function listJoin(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
