import type { Request } from 'express';
import { html, page } from './html.ts';

const TITLES: Record<string, string> = {
  invalid_request: 'This request cannot be handled',
  invalid_client: 'The app could not be identified',
  invalid_grant: 'This authorization is not valid',
  unauthorized_client: 'This app may not do that',
  invalid_scope: 'The requested access is not valid',
  access_denied: 'Access denied',
  invalid_token: 'The access token is not valid',
  not_found: 'Not found',
  server_error: 'Something went wrong',
  temporarily_unavailable: 'Temporarily unavailable',
};

/**
 * A browser asked (a navigation, or Accept preferring HTML over JSON): errors
 * get a page. API clients (fetch's and curl's `*∕*`, or JSON) keep OAuth JSON.
 */
export function prefersHtml(req: Request): boolean {
  if (req.headers['sec-fetch-mode'] === 'navigate') return true;
  return req.accepts(['json', 'html']) === 'html';
}

/** An error as a page a person can act on: what went wrong (the description names the value and the fix) and where to go. */
export function errorPage(code: string, description: string, requestId?: string): string {
  const title = TITLES[code] ?? 'Cannot continue';
  return page(
    title,
    html`<h1>${title}</h1>
      <p class="error" id="error-description">${description}</p>
      <p class="muted">Error <code id="error-code">${code}</code>${requestId ? html` · request <code>${requestId}</code> (in the server log)` : ''}</p>
      <p class="muted"><a href="/">Home</a> · what this service serves, and where it is configured.</p>`,
  );
}
