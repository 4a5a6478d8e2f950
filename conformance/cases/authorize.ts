import { ErrorPage, FormBrowser } from '../browser.ts';
import { random, s256 } from '../harness.ts';
import { check, checkError, checkRefused, type Case } from './check.ts';

/** SMART app-launch: the authorization request and the code it yields (PKCE, aud, redirect_uri, state, single use). */
export const authorizeCases: Case[] = [
  {
    group: 'pkce',
    name: 'an authorization request without code_challenge is refused',
    async run(h) {
      const c = h.client('public');
      const { url, redirectUri } = await h.authorizationUrl(c, { params: { code_challenge: null, code_challenge_method: null } });
      await checkRefused(h, url, redirectUri, 'missing PKCE');
    },
  },
  {
    group: 'pkce',
    name: 'code_challenge_method=plain is refused',
    async run(h) {
      const c = h.client('public');
      const verifier = random();
      const { url, redirectUri } = await h.authorizationUrl(c, { params: { code_challenge: verifier, code_challenge_method: 'plain' } });
      await checkRefused(h, url, redirectUri, 'plain PKCE');
    },
  },
  {
    group: 'pkce',
    name: 'a wrong code_verifier gets invalid_grant',
    async run(h) {
      const c = h.client('public');
      const got = await h.code(c);
      const { res, body } = await h.redeem(c, got, { code_verifier: random() });
      checkError(res, body, ['invalid_grant']);
    },
  },
  {
    group: 'aud',
    name: 'an aud that is not this FHIR server is refused',
    async run(h) {
      const c = h.client('public');
      const { url, redirectUri } = await h.authorizationUrl(c, { params: { aud: 'https://attacker.example.org/fhir' } });
      await checkRefused(h, url, redirectUri, 'foreign aud');
    },
  },
  {
    group: 'redirect_uri',
    name: 'an unregistered redirect_uri gets an error page, never a redirect to it',
    async run(h) {
      const c = h.client('public');
      const evil = 'https://attacker.example.org/callback';
      const { url } = await h.authorizationUrl(c, { params: { redirect_uri: evil } });
      try {
        const left = await new FormBrowser().authorize(url, { ...h.config.user, redirectUri: evil });
        check(!left.href.startsWith(evil), `the server redirected to the unregistered ${evil}`);
      } catch (error) {
        if (!(error instanceof ErrorPage)) throw error;
        check(error.status >= 400 && error.status < 500, `expected a 4xx error page, got ${error.status}`);
      }
    },
  },
  {
    group: 'redirect_uri',
    name: 'a token request with another redirect_uri than the authorization request gets invalid_grant',
    async run(h) {
      const c = h.client('public');
      const got = await h.code(c);
      const { res, body } = await h.redeem(c, got, { redirect_uri: `${got.redirectUri}other` });
      checkError(res, body, ['invalid_grant']);
    },
  },
  {
    group: 'state',
    name: 'state comes back exactly as sent',
    async run(h) {
      const c = h.client('public');
      const state = `${random().slice(0, 10)}+/ =&x`;
      const { callback } = await h.authorize(c, { params: { state } });
      check(callback.searchParams.get('state') === state, `state came back as ${JSON.stringify(callback.searchParams.get('state'))}`);
    },
  },
  {
    group: 'code',
    name: 'a code redeemed twice is refused the second time, and what the first issued is revoked',
    async run(h) {
      const c = h.client('public');
      const got = await h.code(c);
      const first = await h.redeem(c, got);
      check(first.res.status === 200, `first redemption answered ${first.res.status}`);
      const second = await h.redeem(c, got);
      checkError(second.res, second.body, ['invalid_grant']);
      if (!h.config.clients.introspector || !h.discovery.introspection_endpoint) return;
      const { body } = await h.introspect(String(first.body.access_token));
      check(body.active === false, 'the access token of the first redemption is still active (RFC 6749 §4.1.2: SHOULD revoke)');
    },
  },
  {
    group: 'pkce',
    name: 'the S256 challenge of the request is the one the token request must meet',
    async run(h) {
      const c = h.client('public');
      const verifier = random();
      const got = await h.code(c, { params: { code_challenge: s256(verifier) } });
      const { res } = await h.redeem(c, { ...got, verifier });
      check(res.status === 200, `a verifier matching the challenge was refused (${res.status})`);
    },
  },
];
