// The FHIR reads: the patient and a few observations, with the access token (RFC 6750 Bearer).
import { $, humanName } from './view.js';

async function read(fhirBase, path, accessToken) {
  const res = await fetch(`${fhirBase}/${path}`, { headers: { accept: 'application/fhir+json', authorization: `Bearer ${accessToken}` } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const why = body.error ? `${body.error}: ${body.error_description ?? ''}` : body.issue?.[0]?.diagnostics ?? res.statusText;
    const error = new Error(`GET ${path} answered ${res.status} (${why})`);
    error.status = res.status;
    throw error;
  }
  return body;
}

function observationText(o) {
  const what = o.code?.text ?? o.code?.coding?.[0]?.display ?? o.code?.coding?.[0]?.code ?? 'Observation';
  const q = o.valueQuantity;
  const value = q ? `${q.value} ${q.unit ?? q.code ?? ''}`.trim() : o.valueString ?? o.valueCodeableConcept?.text ?? '';
  const when = (o.effectiveDateTime ?? o.issued ?? '').slice(0, 10);
  return [when, what, value].filter(Boolean).join(' · ');
}

/** Reads Patient/<id> and Observation?patient=<id>; shows what it read, or why it could not. */
export async function readPatientData(fhirBase, patientId, accessToken) {
  $('fhir-base').textContent = fhirBase;
  const status = $('fhir-status');
  const list = $('observations');
  const details = $('patient-details');
  if (!patientId) {
    status.textContent = 'No patient in context: nothing to read (launch with a patient, or ask for launch/patient).';
    return;
  }
  status.className = 'muted';
  status.textContent = 'Reading…';
  try {
    const patient = await read(fhirBase, `Patient/${encodeURIComponent(patientId)}`, accessToken);
    $('patient-name').textContent = humanName(patient);
    details.replaceChildren();
    for (const [label, value] of [['Name', humanName(patient)], ['Born', patient.birthDate], ['Gender', patient.gender]]) {
      if (!value) continue;
      details.append(Object.assign(document.createElement('dt'), { textContent: label }), Object.assign(document.createElement('dd'), { textContent: value }));
    }
    const bundle = await read(fhirBase, `Observation?patient=${encodeURIComponent(patientId)}&_count=5`, accessToken);
    const observations = (bundle.entry ?? []).map((e) => e.resource).filter(Boolean);
    list.replaceChildren(...observations.map((o) => Object.assign(document.createElement('li'), { textContent: observationText(o) })));
    if (observations.length === 0) list.replaceChildren(Object.assign(document.createElement('li'), { textContent: 'none', className: 'muted' }));
    status.textContent = `Read Patient/${patientId} and ${observations.length} observation${observations.length === 1 ? '' : 's'}.`;
    status.dataset.state = 'ok';
  } catch (error) {
    status.className = 'error';
    status.dataset.state = 'error';
    status.textContent = `${error.message}${error.status === 401 ? ' — the token was refused: refresh it, or launch again.' : ''}`;
  }
}
