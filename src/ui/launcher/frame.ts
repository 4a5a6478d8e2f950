import type { Response } from 'express';
import type { PatientSummary } from '../../fhir/index.ts';
import { html, page } from '../html.ts';
import type { LauncherUser } from '../../sandbox/launcher/guard.ts';

/**
 * The EHR frame: a patient banner over the app, as an EHR embeds a SMART app.
 * The app's origin is added to frame-src for this page only.
 */
export function sendFramePage(
  res: Response,
  view: { launchUrl: string; appName: string; user: LauncherUser; patient: PatientSummary | undefined; encounter: string | undefined },
): void {
  const origin = new URL(view.launchUrl).origin;
  const policy = String(res.getHeader('Content-Security-Policy') ?? "default-src 'self'");
  res.setHeader('Content-Security-Policy', `${policy.replace(/;?\s*frame-src[^;]*/, '')};frame-src 'self' ${origin}`);
  const { patient } = view;
  res.type('html').send(
    page(
      `${view.appName} · EHR`,
      html`<link rel="stylesheet" href="/launcher/assets/launcher.css">
        <div class="patient-banner" id="patient-banner">
          ${patient
            ? html`<strong id="banner-name">${patient.name || patient.id}</strong>
                <span>${patient.birthDate ? `born ${patient.birthDate}` : ''} ${patient.gender ?? ''}</span>
                <span class="muted">MRN ${patient.identifier ?? '—'} · Patient/${patient.id}${view.encounter ? ` · Encounter/${view.encounter}` : ''}</span>`
            : html`<strong id="banner-name">No patient in context</strong>`}
          <span class="banner-user">${view.user.username} · <a href="/launcher">back to the launcher</a> ·
            <a href="${view.launchUrl}" target="_blank" rel="noopener">open full window</a></span>
        </div>
        <iframe id="app-frame" class="app-frame" title="${view.appName}" src="${view.launchUrl}"></iframe>`,
      { wide: true },
    ),
  );
}
