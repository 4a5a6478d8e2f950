import type { ConnectedApp } from '../account/connected-apps.ts';
import { html, page } from './html.ts';
import { describeScope } from './scope-text.ts';

const ACCESS_TEXT: Record<ConnectedApp['access'], string> = {
  offline: 'Keeps access after you close it, until you revoke it',
  online: 'Keeps access while you stay signed in',
  none: 'Access ends within the hour (it cannot renew it)',
};

const when = (date: Date) => date.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

/** "Connected apps": each app holding a grant for the user, what it may do, and a revoke button (CSRF-protected). */
export function connectedAppsPage(apps: readonly ConnectedApp[], csrf: string, notice: string | undefined): string {
  return page(
    'Connected apps',
    html`<h1>Connected apps</h1>
      <p class="muted">Apps you have allowed to use your health records. Revoking one stops it at once: it has to ask you again.</p>
      ${notice ? html`<p role="status" class="card">${notice}</p>` : ''}
      ${apps.length === 0 ? html`<p id="no-apps">No app holds access for you.</p>` : ''}
      ${apps.map(
        (app) => html`<section class="card connected-app" data-grant="${app.grantId}">
          <h2>${app.appName}</h2>
          ${app.patient ? html`<p><strong>Patient:</strong> ${app.patient.name ?? app.patient.id}</p>` : ''}
          <p><strong>Access:</strong> ${ACCESS_TEXT[app.access]}</p>
          <p class="muted">Allowed ${when(app.grantedAt)} · last used ${when(app.lastUsedAt)}</p>
          <details><summary>What it may do</summary>
            <ul>${app.scopes.map((scope) => html`<li>${describeScope(scope)}</li>`)}</ul>
          </details>
          <form method="post" action="/account/apps/revoke">
            <input type="hidden" name="csrf" value="${csrf}">
            <input type="hidden" name="grant" value="${app.grantId}">
            <button type="submit">Revoke access</button>
          </form>
        </section>`,
      )}
      <form method="post" action="/logout"><button type="submit" class="secondary">Sign out</button></form>`,
  );
}

/** Shown without a sign-in session: where to sign in first. */
export function signedOutPage(): string {
  return page(
    'Connected apps',
    html`<h1>Connected apps</h1>
      <p class="error" role="alert">You are not signed in.</p>
      <p>Sign in to an app through this service first (its sign-in page starts your session), then come back to this page.</p>`,
  );
}
