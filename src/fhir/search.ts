// The picker's search rules, shared by the fixture source (which applies them) and the upstream
// source (which asks the server for the same thing).
import { preferredName } from './summarise.ts';
import type { PatientSearch } from './types.ts';

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 50;

export interface Paging {
  page: number;
  pageSize: number;
  /** 0-based index of the page's first row. */
  offset: number;
}

/** page: an integer from 1, else 1; pageSize: an integer clamped to 1..50, else 10. */
export function normalisePaging(query: PatientSearch): Paging {
  const page = Number.isInteger(query.page) && (query.page ?? 0) >= 1 ? (query.page as number) : 1;
  const asked = query.pageSize;
  const pageSize =
    asked !== undefined && Number.isInteger(asked) && asked >= 1 ? Math.min(asked, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
  return { page, pageSize, offset: (page - 1) * pageSize };
}

/** Lower case without diacritics, as FHIR string search compares: "José" -> "jose". */
export function foldText(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The words of a search, folded; "García, José" -> ["garcia", "jose"]. */
export function searchTokens(text: string | undefined): string[] {
  return foldText(text ?? '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

/** Given and family names of every name the patient has, folded. */
function nameParts(patient: fhir4.Patient): string[] {
  return (patient.name ?? []).flatMap((n) => [...(n.given ?? []), ...(n.family ? [n.family] : [])]).map(foldText);
}

/**
 * True when the text is exactly one of the patient's identifier values, or when every word of it
 * is a fragment of some given or family name ("shaw", "am sh", "jose garc").
 */
export function patientMatches(patient: fhir4.Patient, text: string): boolean {
  const trimmed = text.trim();
  if (!trimmed) return true;
  if (patient.identifier?.some((i) => i.value === trimmed)) return true;
  const parts = nameParts(patient);
  return searchTokens(trimmed).every((token) => parts.some((part) => part.includes(token)));
}

function sortKey(patient: fhir4.Patient): [string, string] {
  const name = preferredName(patient.name);
  return [foldText(name?.family ?? ''), foldText((name?.given ?? []).join(' '))];
}

/** By family name, then given names (accent- and case-insensitive), then id, so paging is stable. */
export function compareByName(a: fhir4.Patient, b: fhir4.Patient): number {
  const [familyA, givenA] = sortKey(a);
  const [familyB, givenB] = sortKey(b);
  if (familyA !== familyB) return familyA < familyB ? -1 : 1;
  if (givenA !== givenB) return givenA < givenB ? -1 : 1;
  const idA = a.id ?? '';
  const idB = b.id ?? '';
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}
