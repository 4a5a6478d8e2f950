import { describe, expect, it } from 'vitest';
import {
  AccessDenied,
  BASIC_CHALLENGE,
  BearerTokenMissing,
  ClientAuthThrottled,
  ClientRoleMissing,
  Conflict,
  GrantDenied,
  InsufficientScope,
  InvalidClient,
  InvalidRequest,
  InvalidToken,
  NotFound,
  OAuthError,
  ServerError,
  TemporarilyUnavailable,
  UnreadableBody,
  oauthError,
  type OAuthErrorCode,
} from '../src/oauth/errors.ts';

describe('the OAuth error classes', () => {
  it('give every code its class and status (RFC 6749 §5.2: 400, invalid_client 401; RFC 6750 §3.1)', () => {
    const expected: Array<[OAuthErrorCode, number]> = [
      ['invalid_request', 400], ['invalid_client', 401], ['invalid_grant', 400], ['unauthorized_client', 400],
      ['unsupported_grant_type', 400], ['unsupported_response_type', 400], ['unsupported_token_type', 400],
      ['invalid_scope', 400], ['access_denied', 403], ['invalid_token', 401], ['insufficient_scope', 403],
      ['not_found', 404], ['invalid_redirect_uri', 400], ['invalid_client_metadata', 400], ['server_error', 500],
      ['temporarily_unavailable', 503],
    ];
    for (const [code, status] of expected) {
      const error = oauthError(code, 'd');
      expect(error, code).toBeInstanceOf(OAuthError);
      expect(error.constructor.name, code).not.toBe('OAuthError');
      expect([error.code, error.status], code).toEqual([code, status]);
      expect(error.parameters()).toEqual({ error: code, error_description: 'd' });
    }
    expect(oauthError('invalid_request', 'd')).toBeInstanceOf(InvalidRequest);
    expect(new OAuthError('not_found', 'd').status).toBe(404);
  });

  it('carry the challenges the specs ask for', () => {
    expect(new InvalidClient('d').wwwAuthenticate).toBeUndefined();
    expect(new InvalidClient('d', BASIC_CHALLENGE).wwwAuthenticate).toBe('Basic realm="smart-launch", charset="UTF-8"');
    expect(new InvalidToken('d').wwwAuthenticate).toBe('Bearer realm="smart-launch", error="invalid_token"');
    expect(new BearerTokenMissing('d')).toMatchObject({ code: 'invalid_token', status: 401, wwwAuthenticate: 'Bearer realm="smart-launch"' });
    expect(new InsufficientScope('d', 'openid').wwwAuthenticate).toBe('Bearer realm="smart-launch", error="insufficient_scope", scope="openid"');
    expect(new TemporarilyUnavailable('d', 5).retryAfter).toBe(5);
  });

  it('answer with another status only where their meaning has it', () => {
    expect(new GrantDenied('d')).toMatchObject({ code: 'access_denied', status: 400 });
    expect(new GrantDenied('d')).toBeInstanceOf(AccessDenied);
    expect(new ClientRoleMissing('d')).toMatchObject({ code: 'unauthorized_client', status: 403 });
    expect(new Conflict('d')).toMatchObject({ code: 'invalid_request', status: 409 });
    expect(new ClientAuthThrottled(7)).toMatchObject({ code: 'invalid_client', status: 429, retryAfter: 7, wwwAuthenticate: undefined });
    expect(new UnreadableBody({ status: 413, type: 'entity.too.large' })).toMatchObject({ code: 'invalid_request', status: 413 });
    expect(new NotFound('d').status).toBe(404);
    expect(new ServerError('d').status).toBe(500);
  });

  it('keep redirectTo and asPage', () => {
    expect(new InvalidRequest('d').redirectTo('https://app.example/cb', 's').delivery).toEqual({ kind: 'redirect', redirectUri: 'https://app.example/cb', state: 's', status: 302 });
    expect(new AccessDenied('d').redirectTo('https://app.example/cb', undefined, 303).delivery).toMatchObject({ status: 303 });
    expect(new AccessDenied('d').asPage().delivery).toEqual({ kind: 'page' });
  });
});
