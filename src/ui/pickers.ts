import type { EncounterSummary, PatientSummary } from '../fhir/index.ts';
import { html, page } from './html.ts';

/** What the patient picker shows: one page of patients, and whether the user may search at all. */
export interface PatientPickerView {
  clientName: string;
  csrf: string;
  /** The search text, '' for none. */
  q: string;
  result: { patients: PatientSummary[]; total: number; page: number; pageSize: number };
  /** The user may pick only from a fixed list (a Patient or RelatedPerson user): no search, no paging. */
  restricted: boolean;
}

/** The patient picker (SMART "launch/patient"): a search form and the patients, each with a Select button. */
export function patientPickerPage({ clientName, csrf, q, result, restricted }: PatientPickerView): string {
  const pages = Math.max(1, Math.ceil(result.total / Math.max(1, result.pageSize)));
  const link = (n: number) => `/select-patient?${new URLSearchParams({ ...(q ? { q } : {}), page: String(n) })}`;
  return page(
    'Select a patient',
    html`<h1>Select a patient</h1>
      <p class="muted">${clientName} opens one patient's record. Choose the patient.</p>
      ${restricted
        ? ''
        : html`<form id="search" method="get" action="/select-patient" role="search" class="card">
            <label>Name or identifier <input type="search" name="q" value="${q}" autofocus></label>
            <button type="submit" class="secondary">Search</button>
          </form>`}
      <form id="choose" method="post" action="/select-patient">
        <input type="hidden" name="csrf" value="${csrf}">
        ${result.patients.length === 0
          ? html`<p id="no-patients">No patients match${q ? html` "${q}"` : ''}.</p>`
          : html`<table id="patients">
              <thead><tr><th>Name</th><th>Birth date</th><th>Gender</th><th>Identifier</th><th></th></tr></thead>
              <tbody>${result.patients.map(
                (p) => html`<tr data-patient="${p.id}"><td>${p.name || p.id}</td><td>${p.birthDate ?? ''}</td>
                  <td>${p.gender ?? ''}</td><td>${p.identifier ?? ''}</td>
                  <td><button type="submit" name="patient" value="${p.id}">Select</button></td></tr>`,
              )}</tbody></table>`}
      </form>
      ${restricted
        ? ''
        : html`<p class="muted" id="paging">Page ${result.page} of ${pages} · ${result.total} patient${result.total === 1 ? '' : 's'}
            ${result.page > 1 ? html` · <a rel="prev" href="${link(result.page - 1)}">Previous</a>` : ''}
            ${result.page < pages ? html` · <a rel="next" href="${link(result.page + 1)}">Next</a>` : ''}</p>`}`,
  );
}

export interface EncounterPickerView {
  clientName: string;
  csrf: string;
  /** The patient in context, as the page names them. */
  patientName: string;
  encounters: EncounterSummary[];
}

/** The encounter picker (SMART "launch/encounter"): the patient's encounters, or go on without one. */
export function encounterPickerPage({ clientName, csrf, patientName, encounters }: EncounterPickerView): string {
  const when = (date: string | undefined) => (date ? date.slice(0, 16).replace('T', ' ') : '');
  return page(
    'Select an encounter',
    html`<h1>Select an encounter</h1>
      <p class="muted">${clientName} can open the record at one visit.</p>
      <div class="card"><strong>Patient:</strong> <span id="patient-name">${patientName}</span></div>
      <form id="choose" method="post" action="/select-encounter">
        <input type="hidden" name="csrf" value="${csrf}">
        <table id="encounters">
          <thead><tr><th>Date</th><th>Class</th><th>Type</th><th>Status</th><th></th></tr></thead>
          <tbody>${encounters.map(
            (e) => html`<tr data-encounter="${e.id}"><td>${when(e.date)}</td><td>${e.class ?? ''}</td><td>${e.type ?? ''}</td>
              <td>${e.status}</td><td><button type="submit" name="encounter" value="${e.id}">Select</button></td></tr>`,
          )}</tbody>
        </table>
        <p><button type="submit" name="without" value="encounter" class="secondary">Continue without an encounter</button></p>
      </form>`,
  );
}
