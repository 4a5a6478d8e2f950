import type { EncounterSummary, PatientSummary } from './types.ts';

const MRN_SYSTEM = 'http://hospital.example.org/mrn';
const NAME_USE_PREFERENCE = ['official', 'usual'] as const;

/** The name a person goes by: the official one, else the usual one, else the first. */
export function preferredName(names: fhir4.HumanName[] | undefined): fhir4.HumanName | undefined {
  if (!names?.length) return undefined;
  for (const use of NAME_USE_PREFERENCE) {
    const name = names.find((n) => n.use === use);
    if (name) return name;
  }
  return names[0];
}

/** "Mrs. Chioma Okafor": `text` when the source gave one, else the parts in reading order. */
export function displayName(name: fhir4.HumanName | undefined): string {
  if (!name) return '';
  if (name.text?.trim()) return name.text.trim();
  return [...(name.prefix ?? []), ...(name.given ?? []), name.family, ...(name.suffix ?? [])]
    .filter((part): part is string => Boolean(part?.trim()))
    .join(' ');
}

function isMrn(identifier: fhir4.Identifier): boolean {
  return (
    identifier.system === MRN_SYSTEM ||
    Boolean(identifier.type?.coding?.some((c) => c.code === 'MR'))
  );
}

function pickIdentifier(identifiers: fhir4.Identifier[] | undefined): string | undefined {
  const withValue = (identifiers ?? []).filter((i) => i.value);
  return (withValue.find(isMrn) ?? withValue[0])?.value;
}

/** Picker row for a Patient. Fields the resource lacks are left out, never set to undefined. */
export function summarisePatient(patient: fhir4.Patient): PatientSummary {
  const summary: PatientSummary = { id: patient.id ?? '', name: displayName(preferredName(patient.name)) };
  if (patient.birthDate) summary.birthDate = patient.birthDate;
  if (patient.gender) summary.gender = patient.gender;
  const identifier = pickIdentifier(patient.identifier);
  if (identifier) summary.identifier = identifier;
  return summary;
}

function conceptText(concept: fhir4.CodeableConcept | undefined): string | undefined {
  const coding = concept?.coding?.[0];
  return concept?.text ?? coding?.display ?? coding?.code;
}

/** Picker row for an Encounter. */
export function summariseEncounter(encounter: fhir4.Encounter): EncounterSummary {
  const summary: EncounterSummary = { id: encounter.id ?? '', status: encounter.status ?? 'unknown' };
  if (encounter.period?.start) summary.date = encounter.period.start;
  const encounterClass = encounter.class?.display ?? encounter.class?.code;
  if (encounterClass) summary.class = encounterClass;
  const type = conceptText(encounter.type?.[0]);
  if (type) summary.type = type;
  return summary;
}

/** Most recent first; encounters without a start date last, then by id. */
export function byMostRecent(a: EncounterSummary, b: EncounterSummary): number {
  if (a.date !== b.date) {
    if (!a.date) return 1;
    if (!b.date) return -1;
    return Date.parse(b.date) - Date.parse(a.date) || (a.date < b.date ? 1 : -1);
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
