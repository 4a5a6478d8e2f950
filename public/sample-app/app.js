// Sample SMART App (SMART App Launch 2.2): a public client using PKCE S256, no library.
// launch.html: EHR launch (?iss&launch). index.html: the redirect_uri (?code&state), and a
// standalone launch button. No inline script: the service's CSP allows script-src 'self' only.

const CLIENT_ID = 'sample-app';
const STORAGE_PREFIX = 'smart-sample-app:';
const EHR_SCOPE = 'launch openid fhirUser patient/*.rs offline_access';
const STANDALONE_SCOPE = 'launch/patient launch/encounter openid fhirUser patient/*.rs';
/** The app's own index page: the redirect_uri registered for client "sample-app". */
const REDIRECT_URI = new URL('./', location.href).href;

const $ = (id) => document.getElementById(id);

function status(text, isError = false) {
  const el = $('status');
  el.textContent = text;
  el.className = isError ? 'error' : 'muted';
  el.dataset.state = isError ? 'error' : 'ok';
}

function base64url(bytes) {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(byteLength) {
  return base64url(crypto.getRandomValues(new Uint8Array(byteLength)));
}

/** RFC 7636: a random verifier and its S256 challenge, BASE64URL(SHA256(verifier)). */
async function pkcePair() {
  const verifier = randomString(32);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return { verifier, challenge: base64url(new Uint8Array(digest)) };
}

/**
 * This sample only talks to the server that serves it: an `iss` from elsewhere
 * could point the app at a token endpoint that is not ours.
 */
function checkIss(iss) {
  const url = new URL(iss);
  if (url.origin !== location.origin) throw new Error(`iss ${iss} is not on this server (${location.origin})`);
  return url.href.replace(/\/+$/, '');
}

async function discover(iss) {
  const res = await fetch(`${iss}/.well-known/smart-configuration`, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`discovery at ${iss} answered ${res.status}`);
  return res.json();
}

/** Sends the browser to the authorization endpoint; `launch` only for an EHR launch. */
async function authorize({ iss, launch, scope }) {
  const smart = await discover(iss);
  const { verifier, challenge } = await pkcePair();
  const state = randomString(16);
  sessionStorage.setItem(STORAGE_PREFIX + state, JSON.stringify({ verifier, tokenEndpoint: smart.token_endpoint, iss }));
  const params = {
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    aud: iss,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  };
  if (launch) params.launch = launch;
  const url = new URL(smart.authorization_endpoint);
  url.search = new URLSearchParams(params).toString();
  location.assign(url.href);
}

function decodeJwtPayload(jwt) {
  const part = jwt.split('.')[1] ?? '';
  const bytes = Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** The redirect back: check state, redeem the code (public client: client_id in the body). */
async function completeAuthorization(params) {
  const state = params.get('state') ?? '';
  const saved = JSON.parse(sessionStorage.getItem(STORAGE_PREFIX + state) ?? 'null');
  sessionStorage.removeItem(STORAGE_PREFIX + state);
  history.replaceState(null, '', REDIRECT_URI); // the code is single-use: keep it out of the address bar
  if (!saved) throw new Error('unknown state: this browser did not start that authorization');

  const res = await fetch(saved.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code') ?? '',
      redirect_uri: REDIRECT_URI,
      code_verifier: saved.verifier,
      client_id: CLIENT_ID,
    }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`token endpoint: ${body.error ?? res.status}: ${body.error_description ?? ''}`);

  const claims = decodeJwtPayload(body.access_token);
  $('token-response').textContent = JSON.stringify(body, null, 2);
  $('access-token-claims').textContent = JSON.stringify(claims, null, 2);
  $('patient').textContent = body.patient ?? claims.patient ?? '(none)';
  $('encounter').textContent = body.encounter ?? claims.encounter ?? '(none)';
  $('result').hidden = false;
  status(`Signed in with scope: ${body.scope}`);
}

/**
 * launch.html: an EHR launch (iss and launch), or with iss alone a standalone launch.
 * `scope` (the launcher's "Scopes" field) replaces the default scopes.
 */
async function launchPage() {
  const params = new URLSearchParams(location.search);
  const iss = params.get('iss');
  const launch = params.get('launch');
  if (!iss) throw new Error('launch.html needs iss (and launch, for an EHR launch): open it from the EHR or /launcher');
  const scope = params.get('scope') || (launch ? EHR_SCOPE : STANDALONE_SCOPE);
  await authorize({ iss: checkIss(iss), launch, scope });
}

async function indexPage() {
  $('iss').value = `${location.origin}/fhir`;
  $('standalone').addEventListener('submit', (event) => {
    event.preventDefault();
    Promise.resolve()
      .then(() => authorize({ iss: checkIss($('iss').value), scope: STANDALONE_SCOPE }))
      .catch((error) => status(String(error.message ?? error), true));
  });
  const params = new URLSearchParams(location.search);
  if (params.has('error')) {
    history.replaceState(null, '', REDIRECT_URI);
    throw new Error(`authorization failed: ${params.get('error')}: ${params.get('error_description') ?? ''}`);
  }
  if (params.has('code')) await completeAuthorization(params);
}

const run = document.body.dataset.page === 'launch' ? launchPage : indexPage;
run().catch((error) => status(String(error.message ?? error), true));
