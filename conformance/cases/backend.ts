import { check, checkError, type Case } from './check.ts';
import { checkTokenResponse } from './token.ts';

/** SMART client-confidential-asymmetric and backend-services. */
export const backendCases: Case[] = [
  {
    group: 'asymmetric',
    name: 'an asymmetric app redeems its code with a signed assertion',
    async run(h) {
      const c = h.client('asymmetric');
      const got = await h.code(c);
      const { res, body } = await h.redeem(c, got);
      checkTokenResponse(res, body, 'asymmetric client');
    },
  },
  {
    group: 'asymmetric',
    name: 'a client assertion used twice (same jti) is refused the second time',
    async run(h) {
      const c = h.client('backend');
      const assertion = await h.assertionForm(c);
      const form = { grant_type: 'client_credentials', scope: c.scope, ...assertion };
      const first = await h.post(h.discovery.token_endpoint, undefined, form);
      check(first.res.status === 200, `the first use answered ${first.res.status}`);
      const second = await h.post(h.discovery.token_endpoint, undefined, form);
      checkError(second.res, second.body, ['invalid_client', 'invalid_grant']);
    },
  },
  {
    group: 'backend',
    name: 'client_credentials with a system scope: access_token, Bearer, expires_in, scope, no refresh_token',
    async run(h) {
      const c = h.client('backend');
      const { res, body } = await h.token(c, { grant_type: 'client_credentials', scope: c.scope });
      checkTokenResponse(res, body, 'backend service');
      check(body.refresh_token === undefined, 'a backend service got a refresh_token');
    },
  },
  {
    group: 'backend',
    name: 'an unsupported grant_type gets 400 unsupported_grant_type',
    async run(h) {
      const { res, body } = await h.token(h.client('backend'), { grant_type: 'urn:example:not-a-grant', scope: h.client('backend').scope });
      checkError(res, body, ['unsupported_grant_type'], [400]);
    },
  },
  {
    group: 'backend',
    name: 'a wrong client_assertion_type is refused with 400 or 401',
    async run(h) {
      const c = h.client('backend');
      const assertion = await h.assertionForm(c);
      const { res, body } = await h.post(h.discovery.token_endpoint, undefined, {
        grant_type: 'client_credentials', scope: c.scope, client_assertion: assertion.client_assertion!,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
      });
      checkError(res, body, ['invalid_client', 'invalid_request']);
    },
  },
];
