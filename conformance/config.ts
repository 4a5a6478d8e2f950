import { existsSync, readFileSync } from 'node:fs';
import { expandIssuerPlaceholders } from '../src/config/issuer-urls.ts';
import path from 'node:path';
import type { JWK } from 'jose';

/** An app registered at the server under test. */
export interface AppClient {
  client_id: string;
  redirect_uri?: string;
  scope: string;
  /** Confidential symmetric: HTTP Basic with this secret. */
  client_secret?: string;
  /** Confidential asymmetric: signs client assertions (RS384 or ES384, with `kid` and `alg`). */
  private_jwk?: JWK;
}

/** What the suite needs besides the discovery document. Every part is optional: cases that need a missing part are skipped. */
export interface ConformanceConfig {
  /** The FHIR base URL sent as `aud` (and expected as an EHR launch's `iss`). */
  fhirBaseUrl: string;
  /** A user who can sign in on the server's pages. */
  user?: { username: string; password: string };
  clients: {
    public?: AppClient;
    symmetric?: AppClient;
    asymmetric?: AppClient;
    backend?: AppClient;
    /** A resource server allowed to introspect (HTTP Basic). */
    introspector?: { client_id: string; client_secret: string };
  };
  /**
   * How to obtain an EHR launch: `register` posts `body` as JSON with HTTP Basic
   * to `url` and reads `launch` from the answer; `value` is a fixed launch
   * parameter (e.g. the one SMART's reference launcher encodes). Without it,
   * the code flow runs as a standalone launch.
   */
  launch?: { register?: { url: string; client_id: string; client_secret: string; body: Record<string, unknown> }; value?: string };
}

/** `--config file.json` if given, else what smart-config/ (and the test keys of this repository) describe. */
export function loadConformanceConfig(base: string, file: string | undefined, root = process.cwd()): ConformanceConfig {
  if (file) {
    const config = JSON.parse(readFileSync(file, 'utf8')) as Partial<ConformanceConfig>;
    return { fhirBaseUrl: config.fhirBaseUrl ?? `${base}/fhir`, clients: config.clients ?? {}, ...config } as ConformanceConfig;
  }
  return fromSmartConfig(base, path.join(root, 'smart-config'), path.join(root, 'test/fixtures/keys/client-private-keys.json'));
}

interface ConfiguredClient {
  id: string;
  type: string;
  secret?: string;
  jwks?: { keys: JWK[] };
  redirectUris?: string[];
  scope?: string;
  grantTypes?: string[];
  roles?: string[];
  disabled?: boolean;
}

/** This service's shipped configuration: its demo clients, a demo practitioner, the asymmetric clients' test keys. */
function fromSmartConfig(base: string, dir: string, keysFile: string): ConformanceConfig {
  const read = <T>(file: string): T => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as T;
  const server = read<{ fhirBaseUrl?: string }>('server.json');
  // clients.json may write URIs relative to the issuer (`{issuer}/sample-app/`), as the service expands them at load.
  const clientsFile = expandIssuerPlaceholders(read<unknown>('clients.json'), base.replace(/\/+$/, '')) as { clients: ConfiguredClient[] };
  const clients = clientsFile.clients.filter((c) => !c.disabled);
  const users = read<{ users: Array<{ username: string; password?: string; fhirUser?: string; disabled?: boolean }> }>('users.json').users;
  const keys = existsSync(keysFile) ? (JSON.parse(readFileSync(keysFile, 'utf8')) as Record<string, JWK>) : {};

  const codeClient = (type: string) =>
    clients.find((c) => c.type === type && c.redirectUris?.length && (c.grantTypes ?? ['authorization_code']).includes('authorization_code'));
  const privateKey = (c: ConfiguredClient | undefined) => c?.jwks?.keys.map((k) => keys[String(k.kid)]).find(Boolean);
  const app = (c: ConfiguredClient | undefined): AppClient | undefined =>
    c && {
      client_id: c.id,
      redirect_uri: c.redirectUris?.[0],
      scope: c.scope ?? '',
      ...(c.secret ? { client_secret: c.secret } : {}),
      ...(privateKey(c) ? { private_jwk: privateKey(c) } : {}),
    };
  const withRole = (role: string) => clients.find((c) => c.roles?.includes(role) && c.secret);
  const practitioner = users.find((u) => u.password && !u.disabled && u.fhirUser?.startsWith('Practitioner/'));
  const registrar = withRole('launch-registrar');
  const introspector = withRole('introspector');
  const backend = clients.find((c) => c.type === 'confidential-asymmetric' && c.grantTypes?.includes('client_credentials'));

  return {
    fhirBaseUrl: server.fhirBaseUrl ?? `${base}/fhir`,
    ...(practitioner ? { user: { username: practitioner.username, password: practitioner.password! } } : {}),
    clients: {
      public: app(codeClient('public')),
      symmetric: app(codeClient('confidential-symmetric')),
      asymmetric: app(codeClient('confidential-asymmetric')),
      backend: backend && { ...app(backend)!, scope: backend.scope?.split(' ').find((s) => s.startsWith('system/')) ?? 'system/*.rs' },
      ...(introspector ? { introspector: { client_id: introspector.id, client_secret: introspector.secret! } } : {}),
    },
    ...(registrar && practitioner
      ? {
          launch: {
            register: {
              url: `${base}/launches`,
              client_id: registrar.id,
              client_secret: registrar.secret!,
              body: { patient: 'p001', fhirUser: users.find((u) => u.username === practitioner.username)!.fhirUser },
            },
          },
        }
      : {}),
  };
}
