/** RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 7009, RFC 7591 §3.2.2, plus SMART's use of them. */
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

/** Each code's status where the code alone says it; a class below answers otherwise only where its meaning does. */
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

/** RFC 6749 §2.3.1 and §5.2: the challenge for a client that authenticated (or must) with HTTP Basic. */
export const BASIC_CHALLENGE = 'Basic realm="smart-launch", charset="UTF-8"';
/** RFC 6750 §3: the Bearer challenge; without an error code when the request sent no token (§3.1). */
export const bearerChallenge = (error?: 'invalid_token' | 'insufficient_scope', scope?: string) =>
  `Bearer realm="smart-launch"${error ? `, error="${error}"` : ''}${scope ? `, scope="${scope}"` : ''}`;

/** Where an error is shown: JSON (default), back to the app's redirect_uri, or as a page to the user. */
export type ErrorDelivery =
  | { kind: 'json' }
  | { kind: 'redirect'; redirectUri: string; state: string | undefined; status: 302 | 303 }
  | { kind: 'page' };

interface ErrorOptions {
  /** A `WWW-Authenticate` header value. */
  wwwAuthenticate?: string | undefined;
  /** Seconds for a `Retry-After` header (RFC 9110 §10.2.3). */
  retryAfter?: number | undefined;
}

/**
 * The base of every OAuth error. Throw a class below anywhere; the one error
 * middleware (src/http/error-handler.ts) turns it into the response, from
 * `status`, `body`, `wwwAuthenticate`, `retryAfter` and `delivery` alone.
 * `new OAuthError(code, description)` still builds an error of that code
 * (prefer `oauthError(code, …)`, which builds its class). Tests assert `code`
 * and `status`, not descriptions.
 */
export class OAuthError extends Error {
  override name = 'OAuthError';
  readonly status: number;
  delivery: ErrorDelivery = { kind: 'json' };
  readonly wwwAuthenticate: string | undefined;
  readonly retryAfter: number | undefined;

  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    options: ErrorOptions = {},
  ) {
    super(`${code}: ${description}`);
    this.status = STATUS[code];
    this.wwwAuthenticate = options.wwwAuthenticate;
    this.retryAfter = options.retryAfter;
  }

  /** The error's parameters: the JSON answer, and a redirect's query (RFC 6749 §4.1.2.1, §5.2). */
  parameters(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }

  /** The same error, delivered to the app's redirect_uri (only once client and redirect_uri are trusted). */
  redirectTo(redirectUri: string, state: string | undefined, status: 302 | 303 = 302): this {
    this.delivery = { kind: 'redirect', redirectUri, state, status };
    return this;
  }

  /** The same error, shown to the user as a page (unknown client or redirect_uri: never redirect). */
  asPage(): this {
    this.delivery = { kind: 'page' };
    return this;
  }
}

/** The class of each code: a registry, so a code chosen at run time (parseInput) still gets its class. */
const byCode = <C extends OAuthErrorCode>(code: C) =>
  class extends OAuthError {
    constructor(description: string, options: ErrorOptions = {}) {
      super(code, description, options);
    }
  };

export class InvalidRequest extends byCode('invalid_request') {}
export class InvalidGrant extends byCode('invalid_grant') {}
export class UnauthorizedClient extends byCode('unauthorized_client') {}
export class UnsupportedGrantType extends byCode('unsupported_grant_type') {}
export class UnsupportedResponseType extends byCode('unsupported_response_type') {}
export class UnsupportedTokenType extends byCode('unsupported_token_type') {}
export class InvalidScope extends byCode('invalid_scope') {}
export class AccessDenied extends byCode('access_denied') {}
export class NotFound extends byCode('not_found') {}
export class InvalidRedirectUri extends byCode('invalid_redirect_uri') {}
export class InvalidClientMetadata extends byCode('invalid_client_metadata') {}
export class ServerError extends byCode('server_error') {}

/** RFC 6749 §5.2: 401, with the Basic challenge when the client used (or must use) the Authorization header. */
export class InvalidClient extends OAuthError {
  constructor(description: string, challenge?: string) {
    super('invalid_client', description, { wwwAuthenticate: challenge });
  }
}

/** RFC 6750 §3.1: 401 with `error="invalid_token"` in the Bearer challenge (or the challenge given). */
export class InvalidToken extends OAuthError {
  constructor(description: string, challenge: string = bearerChallenge('invalid_token')) {
    super('invalid_token', description, { wwwAuthenticate: challenge });
  }
}

/** RFC 6750 §3.1: a request with no bearer token at all; the challenge carries no error code. */
export class BearerTokenMissing extends InvalidToken {
  constructor(description: string) {
    super(description, bearerChallenge());
  }
}

/** RFC 6750 §3.1: 403, the challenge naming the scope that was missing. */
export class InsufficientScope extends OAuthError {
  constructor(description: string, scope?: string) {
    super('insufficient_scope', description, { wwwAuthenticate: bearerChallenge('insufficient_scope', scope) });
  }
}

/** 503 with Retry-After when we know how long (the database is away). */
export class TemporarilyUnavailable extends OAuthError {
  constructor(description: string, retryAfter?: number) {
    super('temporarily_unavailable', description, { retryAfter });
  }
}

/** access_denied answered by the token endpoint: RFC 6749 §5.2 answers token requests 400 (a policy refused to issue). */
export class GrantDenied extends AccessDenied {
  override readonly status = 400;
}

/** unauthorized_client from an endpoint the authenticated client lacks the role for (introspection): 403. */
export class ClientRoleMissing extends UnauthorizedClient {
  override readonly status = 403;
}

/** access_denied to a user who must sign in first (the launcher page): 401. */
export class SignInRequired extends AccessDenied {
  override readonly status = 401;
}

/** invalid_request for a resource that already exists (admin API): 409, RFC 9110 §15.5.10. */
export class Conflict extends InvalidRequest {
  override readonly status = 409;
}

/** invalid_client while the client throttle delays this client id at this address: 429 + Retry-After (RFC 6585 §4). */
export class ClientAuthThrottled extends OAuthError {
  override readonly status = 429;
  constructor(retryAfterSeconds: number) {
    super('invalid_client', `too many failed client authentications; retry after ${retryAfterSeconds} s`, { retryAfter: retryAfterSeconds });
  }
}

/** 429 + Retry-After: this address has registered as many clients as `registration.perAddressPerHour` allows (RFC 6585 §4). */
export class RegistrationRateLimited extends OAuthError {
  override readonly status = 429;
  constructor(retryAfterSeconds: number) {
    super('temporarily_unavailable', `too many client registrations from this address; retry after ${retryAfterSeconds} s`, { retryAfter: retryAfterSeconds });
  }
}

/** invalid_request for a body the parser refused, with the parser's 4xx (413 too large, 415 charset, 400 malformed). */
export class UnreadableBody extends InvalidRequest {
  override readonly status: number;
  constructor(parserError: { status: number; type?: string | undefined }) {
    super(`the request body could not be read (${parserError.type ?? 'request'})`);
    this.status = parserError.status;
  }
}

const CLASSES: Record<OAuthErrorCode, new (description: string) => OAuthError> = {
  invalid_request: InvalidRequest,
  invalid_client: InvalidClient,
  invalid_grant: InvalidGrant,
  unauthorized_client: UnauthorizedClient,
  unsupported_grant_type: UnsupportedGrantType,
  unsupported_response_type: UnsupportedResponseType,
  unsupported_token_type: UnsupportedTokenType,
  invalid_scope: InvalidScope,
  access_denied: AccessDenied,
  invalid_token: InvalidToken,
  insufficient_scope: InsufficientScope,
  not_found: NotFound,
  invalid_redirect_uri: InvalidRedirectUri,
  invalid_client_metadata: InvalidClientMetadata,
  server_error: ServerError,
  temporarily_unavailable: TemporarilyUnavailable,
};

/** The error of a code chosen at run time (parseInput's `code`), as its class. */
export const oauthError = (code: OAuthErrorCode, description: string): OAuthError => new CLASSES[code](description);

// The helpers the flows already call; each builds its class.
export const invalidRequest = (description: string) => new InvalidRequest(description);
export const invalidClient = (description: string, wwwAuthenticate?: string) => new InvalidClient(description, wwwAuthenticate);
export const invalidGrant = (description: string) => new InvalidGrant(description);
export const invalidScope = (description: string) => new InvalidScope(description);
export const accessDenied = (description: string) => new AccessDenied(description);
export const serverError = (description: string) => new ServerError(description);
