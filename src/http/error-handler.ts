import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../db/errors.ts';
import { NotFound, OAuthError, ServerError, TemporarilyUnavailable, UnreadableBody } from '../oauth/errors.ts';
import { errorPage, prefersHtml } from '../ui/error-page.ts';

/**
 * The one place errors become responses. OAuthErrors go out as JSON, a redirect
 * to the app, or a page, as the thrower chose; body-parser failures become
 * invalid_request; an unreachable database becomes 503 temporarily_unavailable
 * with Retry-After (a page for a browser); anything else is logged and answered
 * as server_error, with no stack or message leaking out.
 */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const error = toOAuthError(err);
  if (error.code === 'server_error') req.log?.error({ err }, 'unhandled error');
  else if (error.code === 'temporarily_unavailable' && !(err instanceof OAuthError))
    req.log?.warn({ err: { message: (err as Error).message, code: (err as { code?: unknown }).code } }, 'database unreachable');
  if (res.headersSent) return;
  if (error.retryAfter !== undefined) res.setHeader('Retry-After', String(error.retryAfter));
  // A browser navigating to a page gets a page, an API client JSON.
  if (error.delivery.kind === 'json' && error.code === 'temporarily_unavailable' && prefersHtml(req)) error.asPage();

  const delivery = error.delivery;
  if (delivery.kind === 'redirect') {
    const target = new URL(delivery.redirectUri);
    for (const [name, value] of Object.entries(error.parameters())) target.searchParams.set(name, value);
    if (delivery.state !== undefined) target.searchParams.set('state', delivery.state);
    res.redirect(delivery.status, target.toString());
    return;
  }
  if (error.wwwAuthenticate) res.setHeader('WWW-Authenticate', error.wwwAuthenticate);
  // A page when the thrower chose one, or when a browser (not an API client) is asking.
  if (delivery.kind === 'page' || prefersHtml(req)) {
    res.status(error.status).type('html').send(errorPage(error.code, error.description, req.id));
    return;
  }
  res.status(error.status).json(error.parameters());
};

function toOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  if (isDatabaseUnavailable(err))
    return new TemporarilyUnavailable('the service cannot reach its database right now; try again shortly', DATABASE_RETRY_AFTER_SECONDS);
  const { status, type } = (err ?? {}) as { status?: unknown; type?: unknown };
  // body-parser: malformed JSON or form, too large, bad charset.
  if (typeof status === 'number' && status >= 400 && status < 500)
    return new UnreadableBody({ status, type: typeof type === 'string' ? type : undefined });
  return new ServerError('the server could not complete the request');
}

/** Unknown routes: OAuth-style JSON 404, or a page naming the path for a browser. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new NotFound(`there is nothing at ${req.method} ${req.path}: the home page (/) lists what this service serves`));
};
