import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JSONWebKeySet } from 'jose';
import type { ClientConfig, Config } from '../../src/config/index.ts';
import type { TestServer } from './server.ts';

/** RFC 7523 §2.2: the client_assertion_type of private_key_jwt. */
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Private halves of the keys smart-config/clients.json registers for cardio-risk and bulk-exporter. */
export const CLIENT_PRIVATE_KEYS = JSON.parse(
  readFileSync(path.resolve('test/fixtures/keys/client-private-keys.json'), 'utf8'),
) as Record<'cardio-risk-rs384-1' | 'cardio-risk-es384-1' | 'bulk-exporter-rs384-1' | 'bulk-exporter-es384-1', JWK>;

export type FixtureKid = keyof typeof CLIENT_PRIVATE_KEYS;

export interface AssertionOptions {
  /** Replaces or, with `undefined`, removes header members (`kid`, `typ`, `jku`, `alg`...). */
  header?: Record<string, unknown>;
  /** Replaces or, with `undefined`, removes claims (`iss`, `sub`, `aud`, `exp`, `iat`, `jti`...). */
  claims?: Record<string, unknown>;
  /** Sign with this private key instead of the fixture's (the header still names the fixture kid unless told). */
  signWith?: JWK;
}

/**
 * A client assertion as SMART's client-confidential-asymmetric describes it:
 * iss = sub = client_id, aud = the token URL, exp 4 minutes ahead, a fresh jti,
 * signed with the private key `kid` names, alg from that key.
 */
export async function clientAssertion(
  server: TestServer,
  clientId: string,
  kid: FixtureKid | string,
  options: AssertionOptions = {},
): Promise<string> {
  const key = options.signWith ?? CLIENT_PRIVATE_KEYS[kid as FixtureKid];
  if (!key) throw new Error(`no private key for kid ${kid}: pass signWith`);
  const now = Math.floor(Date.now() / 1000);
  const claims = withOverrides(
    { iss: clientId, sub: clientId, aud: `${server.config.issuer}/token`, exp: now + 240, iat: now, jti: randomUUID() },
    options.claims,
  );
  const header = withOverrides({ alg: key.alg, kid, typ: 'JWT' }, options.header);
  return signCompact(header, claims, key);
}

/** The form fields of private_key_jwt. */
export function assertionForm(assertion: string): Record<string, string> {
  return { client_assertion_type: JWT_BEARER, client_assertion: assertion };
}

/** Signs any header and claims as a compact JWS; `alg: none` gives an unsigned JWT. */
export async function signCompact(header: Record<string, unknown>, claims: Record<string, unknown>, key: JWK): Promise<string> {
  if (header.alg === 'none') {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${part(header)}.${part(claims)}.`;
  }
  const alg = String(header.alg);
  const privateKey = await importJWK({ ...key, alg }, alg);
  return new SignJWT(claims).setProtectedHeader({ ...header, alg }).sign(privateKey);
}

/** A fresh key pair for `alg`, as JWKs with `kid`: the public half to register, the private half to sign. */
export async function newClientKey(alg: 'RS384' | 'ES384', kid: string): Promise<{ publicJwk: JWK; privateJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const common = { kid, alg, use: 'sig' };
  return { publicJwk: { ...(await exportJWK(publicKey)), ...common }, privateJwk: { ...(await exportJWK(privateKey)), ...common } };
}

/**
 * A confidential-asymmetric client for `configure` (which runs after the config
 * is parsed, so every schema default is spelled out here).
 */
export function asymmetricClient(id: string, keys: { jwksUri: string } | { jwks: JSONWebKeySet }, overrides: Partial<ClientConfig> = {}): ClientConfig {
  return {
    id,
    name: id,
    type: 'confidential-asymmetric',
    ...keys,
    redirectUris: [],
    scope: 'system/*.rs',
    grantTypes: ['client_credentials'],
    roles: [],
    consent: 'required',
    metadata: {},
    disabled: false,
    ...overrides,
  } as ClientConfig;
}

export function addClients(...clients: ClientConfig[]): (config: Config) => void {
  return (config) => config.clients.push(...clients);
}

export interface JwksDocument {
  jwks?: JSONWebKeySet;
  /** A raw body instead of the JWKS. */
  body?: string;
  status?: number;
  cacheControl?: string;
  delayMs?: number;
}

/** A JWKS host on 127.0.0.1: each path serves a document the test can change, and counts its fetches. */
export interface JwksHost {
  url(path: string): string;
  serve(path: string, document: JwksDocument): void;
  fetches(path: string): number;
  close(): Promise<void>;
}

export async function startJwksHost(): Promise<JwksHost> {
  const documents = new Map<string, JwksDocument>();
  const counts = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    counts.set(pathname, (counts.get(pathname) ?? 0) + 1);
    const doc = documents.get(pathname);
    const answer = () => {
      if (!doc) return res.writeHead(404).end();
      res.writeHead(doc.status ?? 200, {
        'content-type': 'application/json',
        ...(doc.cacheControl ? { 'cache-control': doc.cacheControl } : {}),
      });
      res.end(doc.body ?? JSON.stringify(doc.jwks ?? { keys: [] }));
    };
    if (doc?.delayMs) setTimeout(answer, doc.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (p) => `${base}${p}`,
    serve: (p, document) => void documents.set(p, document),
    fetches: (p) => counts.get(p) ?? 0,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function withOverrides(base: Record<string, unknown>, overrides: Record<string, unknown> | undefined): Record<string, unknown> {
  const out = { ...base, ...overrides };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}
