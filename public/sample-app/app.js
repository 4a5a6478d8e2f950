// Sample SMART App (SMART App Launch 2.2): a public client using PKCE S256, no library.
// launch.html: EHR launch (?iss&launch). index.html: the redirect_uri (?code&state), and a
// standalone launch button. Then: the tokens decoded, refresh with a countdown, a FHIR read,
// userinfo. No inline script: the service's CSP allows script-src 'self' only.
import { readPatientData } from './fhir.js';
import { $, countdown, decodeJwtPayload, showTimes, status } from './view.js';

const CLIENT_ID = 'sample-app';
const STORAGE_PREFIX = 'smart-sample-app:';
const EHR_SCOPE = 'launch openid fhirUser patient/*.rs offline_access';
const STANDALONE_SCOPE = 'launch/patient launch/encounter openid fhirUser online_access patient/*.rs';
/** The app's own index page: the redirect_uri registered for client "sample-app". */
const REDIRECT_URI = new URL('./', location.href).href;


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
  const endpoints = { tokenEndpoint: smart.token_endpoint, userinfoEndpoint: smart.userinfo_endpoint, introspectionEndpoint: smart.introspection_endpoint };
  sessionStorage.setItem(STORAGE_PREFIX + state, JSON.stringify({ verifier, iss, ...endpoints }));
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
  if (!res.ok) throw new Error(`token endpoint answered ${res.status}: ${body.error ?? ''}: ${body.error_description ?? ''}`);
  session = { ...saved, tokens: body, receivedAt: Date.now(), refreshes: 0 };
  await show();
}

/** What the app holds after the redirect back: endpoints, the token response, when it came. */
let session;

/** Shows the tokens, starts the countdown, reads the FHIR data and userinfo. */
async function show() {
  const { tokens } = session;
  const claims = decodeJwtPayload(tokens.access_token);
  $('token-response').textContent = JSON.stringify(tokens, null, 2);
  $('access-token-claims').textContent = JSON.stringify(claims, null, 2);
  showTimes('access-token-times', claims);
  const idClaims = tokens.id_token ? decodeJwtPayload(tokens.id_token) : undefined;
  $('id-token-claims').textContent = idClaims ? JSON.stringify(idClaims, null, 2) : '(none: ask for the openid scope)';
  if (idClaims) showTimes('id-token-times', idClaims);
  const patient = tokens.patient ?? claims.patient;
  $('patient').textContent = patient ?? '(none)';
  $('encounter').textContent = tokens.encounter ?? claims.encounter ?? '(none)';
  $('granted-scope').textContent = tokens.scope;
  $('introspect-curl').textContent =
    `curl -s -u fhir-server:DEMO-ONLY-fhir-server-secret-5d3a7c9e1b2f4086 \\\n  ${session.introspectionEndpoint ?? new URL('/introspect', session.tokenEndpoint)} \\\n  -d token=${tokens.access_token}`;
  $('result').hidden = false;
  status(`Signed in with scope: ${tokens.scope}`);
  startCountdown();
  await Promise.all([readPatientData(session.iss, patient, tokens.access_token), showUserinfo()]);
}

async function showUserinfo() {
  const endpoint = session.userinfoEndpoint;
  if (!endpoint || !session.tokens.id_token) {
    $('userinfo').textContent = '(needs the openid scope)';
    return;
  }
  const res = await fetch(endpoint, { headers: { authorization: `Bearer ${session.tokens.access_token}`, accept: 'application/json' } });
  $('userinfo').textContent = `${res.status}\n${JSON.stringify(await res.json().catch(() => null), null, 2)}`;
}

let timer;
/** The access token's lifetime, ticking down; refresh (with the refresh token) before it runs out. */
function startCountdown() {
  clearInterval(timer);
  const { tokens, receivedAt } = session;
  const expiresAt = receivedAt + (tokens.expires_in ?? 0) * 1000;
  $('refresh').hidden = !tokens.refresh_token;
  $('refresh-note').textContent = tokens.refresh_token ? '' : 'no refresh token: ask for offline_access or online_access';
  const tick = () => {
    $('countdown').textContent = countdown(expiresAt - Date.now());
  };
  tick();
  timer = setInterval(tick, 1000);
}

/** grant_type=refresh_token: the server rotates the refresh token; the context stays. */
async function refresh() {
  const res = await fetch(session.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: session.tokens.refresh_token, client_id: CLIENT_ID }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`refresh answered ${res.status}: ${body.error ?? ''}: ${body.error_description ?? ''}`);
  session = { ...session, tokens: body, receivedAt: Date.now(), refreshes: session.refreshes + 1 };
  $('refresh-count').textContent = `Refreshed ${session.refreshes} time${session.refreshes === 1 ? '' : 's'}; the refresh token was rotated each time.`;
  await show();
}

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
  $('refresh').addEventListener('click', () => refresh().catch((error) => status(String(error.message ?? error), true)));
  $('reload-fhir').addEventListener('click', () => {
    const patient = session.tokens.patient ?? decodeJwtPayload(session.tokens.access_token).patient;
    readPatientData(session.iss, patient, session.tokens.access_token);
  });
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
