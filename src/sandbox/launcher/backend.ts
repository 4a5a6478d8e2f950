import type { ClientConfig } from '../../config/index.ts';
import { scopeList } from '../../scopes/index.ts';
import { html, type SafeHtml } from '../../ui/html.ts';

/**
 * SMART Backend Services, ready to paste: a client assertion signed with a demo
 * client's private key (test/fixtures/keys/, never in smart-config/), then the
 * client_credentials request with curl.
 */
export function backendTab(clients: readonly ClientConfig[], issuer: string): SafeHtml {
  const backend = clients.find((c) => !c.disabled && c.grantTypes.includes('client_credentials') && c.jwks);
  if (!backend) return html`<p class="muted">No client with <code>client_credentials</code> and a JWKS in smart-config/clients.json.</p>`;
  const key = backend.jwks!.keys.find((k) => k.alg === 'RS384') ?? backend.jwks!.keys[0]!;
  const alg = String(key.alg ?? 'RS384');
  const kid = String(key.kid ?? '');
  const tokenUrl = `${issuer}/token`;
  const scope = scopeList(backend.scope).find((s) => s.startsWith('system/')) ?? 'system/*.rs';
  const assertion = `node --input-type=module -e "
import { readFileSync } from 'node:fs';
import { SignJWT, importJWK } from 'jose';
const jwk = JSON.parse(readFileSync('test/fixtures/keys/client-private-keys.json', 'utf8'))['${kid}'];
const key = await importJWK(jwk, '${alg}');
console.log(await new SignJWT({})
  .setProtectedHeader({ alg: '${alg}', kid: '${kid}', typ: 'JWT' })
  .setIssuer('${backend.id}').setSubject('${backend.id}').setAudience('${tokenUrl}')
  .setJti(crypto.randomUUID()).setExpirationTime('5m').sign(key));
" > assertion.jwt`;
  const curl = `curl -s ${tokenUrl} \\
  -d grant_type=client_credentials \\
  -d scope=${scope} \\
  -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \\
  -d "client_assertion=$(cat assertion.jwt)"`;
  return html`<p>A backend service has no user and no browser: it signs a JWT with its private key and trades it at
      <code>/token</code> for an access token with <code>system/</code> scopes (SMART Backend Services).</p>
    <div class="card" id="backend-recipe">
      <p><strong>Client</strong> <code>${backend.id}</code> (${backend.name}) · key <code>${kid}</code> (${alg}) ·
        token endpoint <code>${tokenUrl}</code></p>
      <p>1. Sign a client assertion (from the repository folder; the demo private keys are in <code>test/fixtures/keys/</code>):</p>
      <pre id="assertion-recipe">${assertion}</pre>
      <p>2. Ask for a token (an assertion is single-use: sign a new one for each request):</p>
      <pre id="curl-recipe">${curl}</pre>
      <p class="muted">The answer: <code>{"access_token": "…", "token_type": "Bearer", "expires_in": 300, "scope": "${scope}"}</code>.
        Claims: <code>iss</code> = <code>sub</code> = the client id, <code>aud</code> = the token endpoint, a fresh <code>jti</code>,
        <code>exp</code> at most 5 minutes ahead.</p>
    </div>`;
}
