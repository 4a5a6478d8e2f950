import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import { FormBrowser } from './browser.ts';
import type { AppClient, ConformanceConfig } from './config.ts';

export type Discovery = Record<string, unknown> & { token_endpoint: string; authorization_endpoint?: string };

/** A case could not run here (a client or endpoint the config or server does not have). */
export class Skip extends Error {}

export const random = () => randomBytes(32).toString('base64url');
export const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export interface AuthorizeOptions {
  /** Override or (with null) omit authorization request parameters. */
  params?: Record<string, string | null>;
  /** EHR launch (default when the config can obtain one) or standalone. */
  launch?: boolean;
}

export interface CodeResult {
  code: string;
  verifier: string;
  state: string;
  redirectUri: string;
  callback: URL;
}

/** What every case uses: the discovery document, the config, and the steps of a SMART flow. */
export class Harness {
  constructor(
    readonly base: string,
    readonly discovery: Discovery,
    readonly config: ConformanceConfig,
  ) {}

  client(kind: keyof ConformanceConfig['clients']): AppClient {
    const client = this.config.clients[kind];
    if (!client) throw new Skip(`no ${kind} client in the config`);
    return client as AppClient;
  }

  endpoint(name: string): string {
    const url = this.discovery[name];
    if (typeof url !== 'string') throw new Skip(`discovery has no ${name}`);
    return url;
  }

  /** A launch parameter for an EHR launch, or undefined (standalone) when the config has no way to get one. */
  async launch(client: AppClient): Promise<string | undefined> {
    const how = this.config.launch;
    if (how?.value) return how.value;
    if (!how?.register) return undefined;
    const res = await fetch(how.register.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic(how.register.client_id, how.register.client_secret) },
      body: JSON.stringify({ ...how.register.body, client_id: client.client_id }),
    });
    if (!res.ok) throw new Error(`launch registration answered ${res.status}`);
    return ((await res.json()) as { launch: string }).launch;
  }

  /** The authorization request URL for `client`, S256 PKCE, a fresh state, the FHIR base as aud. */
  async authorizationUrl(client: AppClient, options: AuthorizeOptions = {}) {
    const verifier = random();
    const state = random().slice(0, 16);
    const launch = options.launch === false ? undefined : await this.launch(client);
    const scope = launch ? `launch ${client.scope}` : client.scope;
    const params: Record<string, string | null> = {
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: client.redirect_uri ?? null,
      scope: [...new Set(scope.split(' '))].filter((s) => s !== 'launch' || launch).join(' '),
      state,
      aud: this.config.fhirBaseUrl,
      code_challenge: s256(verifier),
      code_challenge_method: 'S256',
      launch: launch ?? null,
      ...options.params,
    };
    const url = new URL(this.endpoint('authorization_endpoint'));
    for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
    return { url, verifier, state, redirectUri: params.redirect_uri ?? '' };
  }

  /** Through sign-in and consent to the redirect back (or the error page the server shows instead). */
  async authorize(client: AppClient, options: AuthorizeOptions = {}) {
    const request = await this.authorizationUrl(client, options);
    const browser = new FormBrowser();
    const callback = await browser.authorize(request.url, { ...this.config.user, redirectUri: request.redirectUri });
    return { ...request, callback };
  }

  /** A code, as a well-behaved app gets one. */
  async code(client: AppClient, options: AuthorizeOptions = {}): Promise<CodeResult> {
    const { callback, verifier, state, redirectUri } = await this.authorize(client, options);
    const code = callback.searchParams.get('code');
    if (!code) throw new Error(`no code in the redirect: ${callback.search}`);
    return { code, verifier, state, redirectUri, callback };
  }

  /** POST to the token endpoint (or another) as `client` authenticates there. */
  async post(url: string, client: AppClient | undefined, form: Record<string, string>): Promise<{ res: Response; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const all = { ...form };
    if (client?.client_secret) headers.authorization = basic(client.client_id, client.client_secret);
    else if (client?.private_jwk) Object.assign(all, await this.assertionForm(client));
    else if (client) all.client_id = client.client_id;
    const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(all) });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { unparsed: text.slice(0, 200) };
    }
    return { res, body };
  }

  token(client: AppClient | undefined, form: Record<string, string>) {
    return this.post(this.discovery.token_endpoint, client, form);
  }

  /** Redeems a code as the app that got it. */
  redeem(client: AppClient, got: CodeResult, overrides: Record<string, string> = {}) {
    return this.token(client, { grant_type: 'authorization_code', code: got.code, redirect_uri: got.redirectUri, code_verifier: got.verifier, ...overrides });
  }

  /** SMART client-confidential-asymmetric: iss = sub = client_id, aud = the token endpoint, exp within 5 minutes, a fresh jti. */
  async assertionForm(client: AppClient, claims: Record<string, unknown> = {}): Promise<Record<string, string>> {
    const jwk = client.private_jwk!;
    const alg = String(jwk.alg ?? (jwk.kty === 'EC' ? 'ES384' : 'RS384'));
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ iss: client.client_id, sub: client.client_id, aud: this.discovery.token_endpoint, exp: now + 240, iat: now, jti: randomUUID(), ...claims })
      .setProtectedHeader({ alg, kid: String(jwk.kid), typ: 'JWT' })
      .sign(await importJWK(jwk, alg));
    return { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion };
  }

  /** RFC 7662 as the configured resource server. */
  async introspect(token: string): Promise<{ res: Response; body: Record<string, unknown> }> {
    const rs = this.config.clients.introspector;
    if (!rs) throw new Skip('no introspector in the config');
    return this.post(this.endpoint('introspection_endpoint'), { ...rs, scope: '' }, { token });
  }
}

export const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
