// The launcher's form (no inline script: the CSP allows script-src 'self' only).
// Encounters follow the chosen patient; the ad-hoc fields show only for an ad-hoc app.
const $ = (id) => document.getElementById(id);

function filterEncounters() {
  const patient = $('patient')?.value;
  const select = $('encounter');
  if (!select) return;
  for (const option of select.options) {
    if (!option.dataset.patient) continue;
    // A patient portal has one patient (a hidden field): every encounter listed is theirs.
    const mine = patient === undefined || option.dataset.patient === patient;
    option.hidden = !mine;
    option.disabled = !mine;
    if (!mine && option.selected) select.value = '';
  }
}

function toggleAdhoc() {
  const adhoc = $('adhoc');
  if (adhoc) adhoc.hidden = $('client_id')?.value !== '(ad-hoc)';
}

$('patient')?.addEventListener('change', filterEncounters);
$('client_id')?.addEventListener('change', toggleAdhoc);
filterEncounters();
toggleAdhoc();
