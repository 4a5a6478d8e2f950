import { html, page, type SafeHtml } from './html.ts';

/** The sign-in form itself: the same page for an app's sign-in and the launcher's. */
export function signInForm(options: { action: string; csrf: string; who: string; error: string | undefined }): SafeHtml {
  return html`<h1>Sign in</h1>
    <p class="muted">${options.who}</p>
    ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
    <form method="post" action="${options.action}" class="card" id="sign-in">
      <input type="hidden" name="csrf" value="${options.csrf}">
      <label>Username <input type="text" name="username" autocomplete="username" required></label>
      <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
      <button type="submit">Sign in</button>
    </form>`;
}

/** The authorization flow's sign-in page (/login): the app asking, and why the last attempt failed. */
export function loginPage(options: { clientName: string; csrf: string; error: string | undefined }): string {
  return page(
    'Sign in',
    signInForm({ action: '/login', csrf: options.csrf, who: `${options.clientName} asks you to sign in.`, error: options.error }),
  );
}

/** After POST /logout. */
export function signedOutOfSessionPage(): string {
  return page('Signed out', html`<h1>Signed out</h1><p>You can close this window.</p>`);
}
