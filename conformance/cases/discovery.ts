import { check, type Case } from './check.ts';

/** SMART App Launch 2.2 conformance: the discovery document. */
export const discoveryCases: Case[] = [
  {
    group: 'discovery',
    name: 'smart-configuration has the required fields, absolute URLs, S256 and not plain',
    async run(h) {
      const d = h.discovery;
      for (const field of ['token_endpoint', 'grant_types_supported', 'capabilities', 'code_challenge_methods_supported'])
        check(d[field] !== undefined, `missing ${field}`);
      check((d.capabilities as unknown[]).every((c) => typeof c === 'string'), 'capabilities must be strings');
      const methods = d.code_challenge_methods_supported as string[];
      check(methods.includes('S256'), 'S256 is not listed');
      check(!methods.includes('plain'), 'plain is listed (SMART: SHALL NOT support plain)');
      check((d.grant_types_supported as string[]).includes('authorization_code'), 'authorization_code is not listed');
      for (const [name, value] of Object.entries(d))
        if (name.endsWith('_endpoint') || name === 'jwks_uri') check(/^https?:\/\//.test(String(value)), `${name} is not an absolute URL`);
      const launches = (d.capabilities as string[]).some((c) => c.startsWith('launch-'));
      check(!launches || typeof d.authorization_endpoint === 'string', 'a launch capability needs authorization_endpoint');
    },
  },
  {
    group: 'discovery',
    name: 'sso-openid-connect: issuer and jwks_uri, the OpenID configuration agrees and lists RS256',
    async run(h) {
      if (!(h.discovery.capabilities as string[]).includes('sso-openid-connect')) return;
      check(typeof h.discovery.issuer === 'string' && typeof h.discovery.jwks_uri === 'string', 'issuer and jwks_uri are required');
      const oidc = (await (await fetch(`${h.discovery.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      check(oidc.issuer === h.discovery.issuer, `openid-configuration issuer ${String(oidc.issuer)} differs`);
      check((oidc.id_token_signing_alg_values_supported as string[] | undefined)?.includes('RS256'), 'RS256 is not listed for id_tokens');
    },
  },
];
