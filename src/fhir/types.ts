/** One row of the patient picker. `name` is display text, e.g. "Amy Shaw". */
export interface PatientSummary {
  id: string;
  name: string;
  birthDate?: string;
  gender?: string;
  /** The medical record number when there is one, else the first identifier's value. */
  identifier?: string;
}

/** One row of the encounter picker. */
export interface EncounterSummary {
  id: string;
  /** `period.start` */
  date?: string;
  /** `class.display`, else `class.code` (v3 ActCode: AMB, IMP, EMER...) */
  class?: string;
  /** the first type's text, else its first coding's display or code */
  type?: string;
  status: string;
}

export interface PatientSearch {
  /** A name fragment, or an identifier value; empty lists everyone. */
  text?: string;
  /** 1-based; default 1. */
  page?: number;
  /** Default 10, at most 50. */
  pageSize?: number;
}

export interface PatientSearchResult {
  patients: PatientSummary[];
  total: number;
  page: number;
  pageSize: number;
}

/**
 * Where the picker and the launch-context checks read FHIR data: the fixtures, or an upstream
 * FHIR server. Every method returns `undefined` (or an empty list) for what does not exist,
 * including ids and references that are not well-formed, and rejects with
 * `FhirUnavailableError` only when the upstream server cannot answer.
 */
export interface FhirDataSource {
  searchPatients(query: PatientSearch): Promise<PatientSearchResult>;
  getPatient(id: string): Promise<fhir4.Patient | undefined>;
  getEncounter(id: string): Promise<fhir4.Encounter | undefined>;
  /** The patient's encounters, most recent first. */
  listEncounters(patientId: string): Promise<EncounterSummary[]>;
  /** Reads a relative reference `Type/id`, e.g. a fhirUser `Practitioner/pr001`. */
  read(reference: string): Promise<fhir4.Resource | undefined>;
  summarisePatient(patient: fhir4.Patient): PatientSummary;
}
