import type { AuditEvent } from '../store/audit.ts';

/** RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 7009, plus SMART's use of them. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'unsupported_token_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'not_found'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'server_error'
  | 'temporarily_unavailable';

const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  unsupported_response_type: 400,
  unsupported_token_type: 400,
  invalid_scope: 400,
  access_denied: 403,
  invalid_token: 401,
  insufficient_scope: 403,
  not_found: 404,
  invalid_redirect_uri: 400,
  invalid_client_metadata: 400,
  server_error: 500,
  temporarily_unavailable: 503,
};

/** Where an error is shown: JSON (default), back to the app's redirect_uri, or as a page to the user. */
export type ErrorDelivery =
  | { kind: 'json' }
  | { kind: 'redirect'; redirectUri: string; state: string | undefined }
  | { kind: 'page' };

/**
 * The one OAuth error type. Throw it anywhere; the error middleware turns it
 * into the response. Tests assert `code` and `status`, not descriptions.
 */
export class OAuthError extends Error {
  override name = 'OAuthError';
  readonly status: number;
  delivery: ErrorDelivery = { kind: 'json' };
  /** A `WWW-Authenticate` header value (RFC 6749 §5.2: Basic auth failures; RFC 6750 for bearer). */
  wwwAuthenticate: string | undefined;
  /** Seconds for a `Retry-After` header (RFC 9110 §10.2.3): 503 while the database is away, 429 when throttled. */
  retryAfter: number | undefined;
  /** An audit event to record after the failed request's transaction has rolled back. */
  audit?: AuditEvent;

  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    options: { status?: number; wwwAuthenticate?: string; retryAfter?: number } = {},
  ) {
    super(`${code}: ${description}`);
    this.status = options.status ?? STATUS[code];
    this.wwwAuthenticate = options.wwwAuthenticate;
    this.retryAfter = options.retryAfter;
  }

  /** The same error, delivered to the app's redirect_uri (only once client and redirect_uri are trusted). */
  redirectTo(redirectUri: string, state: string | undefined): this {
    this.delivery = { kind: 'redirect', redirectUri, state };
    return this;
  }

  /** The same error, shown to the user as a page (unknown client or redirect_uri: never redirect). */
  asPage(): this {
    this.delivery = { kind: 'page' };
    return this;
  }
}

export const invalidRequest = (description: string) => new OAuthError('invalid_request', description);
export const invalidClient = (description: string, wwwAuthenticate?: string) =>
  new OAuthError('invalid_client', description, wwwAuthenticate ? { wwwAuthenticate } : {});
export const invalidGrant = (description: string) => new OAuthError('invalid_grant', description);
export const invalidScope = (description: string) => new OAuthError('invalid_scope', description);
export const accessDenied = (description: string) => new OAuthError('access_denied', description);
export const serverError = (description: string) => new OAuthError('server_error', description);
