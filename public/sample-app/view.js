// Rendering helpers for the sample app: decoded JWTs with human-readable times.

export const $ = (id) => document.getElementById(id);

export function decodeJwtPayload(jwt) {
  const part = jwt.split('.')[1] ?? '';
  const bytes = Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** "in 59 min" / "3 min ago", from seconds since the epoch. */
export function relative(epochSeconds, now = Date.now()) {
  const seconds = Math.round(epochSeconds - now / 1000);
  const abs = Math.abs(seconds);
  const text = abs < 90 ? `${abs} s` : abs < 5400 ? `${Math.round(abs / 60)} min` : `${Math.round(abs / 3600)} h`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

const TIME_CLAIMS = { iat: 'issued', exp: 'expires', nbf: 'not before', auth_time: 'signed in' };

/** A claims table: each time claim as a local date and time, and how long ago or ahead. */
export function showTimes(tableId, claims) {
  const table = $(tableId);
  table.replaceChildren();
  for (const [claim, label] of Object.entries(TIME_CLAIMS)) {
    if (typeof claims[claim] !== 'number') continue;
    const row = table.insertRow();
    row.insertCell().textContent = `${label} (${claim})`;
    row.insertCell().textContent = new Date(claims[claim] * 1000).toLocaleString();
    row.insertCell().textContent = relative(claims[claim]);
  }
}

export function countdown(msLeft) {
  if (msLeft <= 0) return 'expired';
  const s = Math.floor(msLeft / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

export function status(text, isError = false) {
  const el = $('status');
  el.textContent = text;
  el.className = isError ? 'error' : 'muted';
  el.dataset.state = isError ? 'error' : 'ok';
}

/** A FHIR HumanName as text: `text`, else given names and family. */
export function humanName(patient) {
  const name = patient?.name?.[0];
  if (!name) return patient?.id ?? '';
  return name.text ?? [...(name.given ?? []), name.family].filter(Boolean).join(' ');
}
