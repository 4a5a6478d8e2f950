import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { AppClient } from '../config.ts';
import type { Harness } from '../harness.ts';
import { check, checkError, type Case } from './check.ts';

/** SMART app-launch "access token response": required fields and no-store headers. */
export function checkTokenResponse(res: Response, body: Record<string, unknown>, what: string): void {
  check(res.status === 200, `${what}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 160)}`);
  check(/application\/json/.test(res.headers.get('content-type') ?? ''), `${what}: not JSON`);
  check(/no-store/.test(res.headers.get('cache-control') ?? ''), `${what}: Cache-Control is not no-store`);
  check(/no-cache/.test(res.headers.get('pragma') ?? ''), `${what}: Pragma is not no-cache`);
  check(typeof body.access_token === 'string' && body.access_token !== '', `${what}: no access_token`);
  check(String(body.token_type).toLowerCase() === 'bearer', `${what}: token_type is ${JSON.stringify(body.token_type)}`);
  check(typeof body.expires_in === 'number' && body.expires_in > 0, `${what}: expires_in is not a positive number`);
  check(typeof body.scope === 'string', `${what}: no scope`);
}

/** Every scope granted was asked for (the grant may be smaller, never wider for what it names). */
const grantedScopes = (body: Record<string, unknown>) => String(body.scope ?? '').split(' ').filter(Boolean);

async function codeTokens(h: Harness, kind: 'public' | 'symmetric' | 'asymmetric') {
  const c = h.client(kind);
  const got = await h.code(c);
  return { c, ...(await h.redeem(c, got)) };
}

async function withRefresh(h: Harness): Promise<{ c: AppClient; body: Record<string, unknown> }> {
  const kind = h.config.clients.symmetric?.scope.includes('offline_access') ? 'symmetric' : 'public';
  const { c, res, body } = await codeTokens(h, kind);
  checkTokenResponse(res, body, 'code exchange');
  if (typeof body.refresh_token !== 'string') throw new Error(`no refresh_token for ${c.client_id} (scope ${String(body.scope)})`);
  return { c, body };
}

export const tokenCases: Case[] = [
  {
    group: 'token',
    name: 'public client: the token response has access_token, Bearer, expires_in, scope and no-store headers',
    async run(h) {
      const { res, body } = await codeTokens(h, 'public');
      checkTokenResponse(res, body, 'public client');
    },
  },
  {
    group: 'token',
    name: 'symmetric client (Basic): token response, and an id_token signed RS256 for this client by this issuer',
    async run(h) {
      const { c, res, body } = await codeTokens(h, 'symmetric');
      checkTokenResponse(res, body, 'symmetric client');
      if (!grantedScopes(body).includes('openid')) return;
      check(typeof body.id_token === 'string', 'openid granted but no id_token');
      const jwks = createRemoteJWKSet(new URL(h.endpoint('jwks_uri')));
      const { payload, protectedHeader } = await jwtVerify(String(body.id_token), jwks, { issuer: String(h.discovery.issuer), audience: c.client_id })
        .catch((e: Error) => { throw new Error(`id_token does not verify: ${e.message}`); });
      check(protectedHeader.alg === 'RS256', `id_token alg is ${protectedHeader.alg}`);
      check(typeof payload.sub === 'string' && payload.sub.length <= 255, 'id_token sub is missing or too long');
    },
  },
  {
    group: 'refresh',
    name: 'a refresh token gets a new access token with the required fields, never a wider scope',
    async run(h) {
      const { c, body } = await withRefresh(h);
      const refreshed = await h.token(c, { grant_type: 'refresh_token', refresh_token: String(body.refresh_token) });
      checkTokenResponse(refreshed.res, refreshed.body, 'refresh');
      const before = new Set(grantedScopes(body));
      const wider = grantedScopes(refreshed.body).filter((s) => !before.has(s));
      check(wider.length === 0, `the refresh widened the scope: ${wider.join(' ')}`);
    },
  },
  {
    group: 'introspection',
    name: 'an active access token introspects active, with client_id, scope and exp',
    async run(h) {
      const { res, body } = await codeTokens(h, 'public');
      checkTokenResponse(res, body, 'code exchange');
      const seen = await h.introspect(String(body.access_token));
      check(seen.res.status === 200, `introspection answered ${seen.res.status}`);
      check(seen.body.active === true, 'a fresh access token is not active');
      check(seen.body.client_id === h.client('public').client_id, `client_id is ${JSON.stringify(seen.body.client_id)}`);
      check(typeof seen.body.scope === 'string' && typeof seen.body.exp === 'number', 'scope or exp missing');
      if (body.patient !== undefined) check(seen.body.patient === body.patient, 'the patient differs from the token response');
    },
  },
  {
    group: 'introspection',
    name: 'an unknown or malformed token introspects as exactly {"active": false} with 200',
    async run(h) {
      for (const token of ['not-a-token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln']) {
        const { res, body } = await h.introspect(token);
        check(res.status === 200, `introspecting ${token} answered ${res.status}`);
        check(body.active === false && Object.keys(body).length === 1, `introspecting ${token} gave ${JSON.stringify(body)}`);
      }
    },
  },
  {
    group: 'revocation',
    name: 'a revoked refresh token can no longer be used',
    async run(h) {
      const { c, body } = await withRefresh(h);
      const revoked = await h.post(h.endpoint('revocation_endpoint'), c, { token: String(body.refresh_token), token_type_hint: 'refresh_token' });
      check(revoked.res.status === 200, `revocation answered ${revoked.res.status}`);
      const again = await h.token(c, { grant_type: 'refresh_token', refresh_token: String(body.refresh_token) });
      checkError(again.res, again.body, ['invalid_grant']);
    },
  },
];
