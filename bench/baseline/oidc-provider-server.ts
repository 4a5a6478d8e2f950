/**
 * The baseline: panva's certified oidc-provider, configured like smart-launch's
 * backend-services path. Run as its own process by bench/run.ts:
 *   PORT=... node --import tsx bench/baseline/oidc-provider-server.ts
 *
 * - bulk-exporter: private_key_jwt with the same public JWKS as smart-config,
 *   client_credentials only, scope system/Patient.rs.
 * - fhir-server: client_secret_basic, may introspect.
 * - A token request with resource=<BASELINE_FHIR_BASE> gets an ES256 JWT access
 *   token (resource indicators); without `resource` it gets an opaque token,
 *   the only kind oidc-provider introspects (it refuses JWTs at introspection).
 * - Storage: oidc-provider's default in-memory adapter (no database at all),
 *   with its LRU of 1000 entries swapped for an unbounded expiring Map: the LRU
 *   would forget client-assertion jtis (replay detection) and the tokens to
 *   introspect after ~1000 requests.
 */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import { clientSecret } from '../lib/fixtures.ts';
import { openBaselineDatabase, PgAdapter } from './pg-adapter.ts';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const fhirBase = process.env.BASELINE_FHIR_BASE ?? `${issuer}/fhir`;
const SCOPE = 'system/Patient.rs';

const clients = JSON.parse(readFileSync('smart-config/clients.json', 'utf8')) as { clients: Array<{ id: string; jwks?: unknown }> };
const bulkJwks = clients.clients.find((c) => c.id === 'bulk-exporter')?.jwks;
if (!bulkJwks) throw new Error('smart-config/clients.json has no bulk-exporter jwks');

const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), kid: 'baseline-es256', alg: 'ES256', use: 'sig' };

/** Everything the memory adapter stores, until its maxAge. */
class ExpiringMap {
  private readonly entries = new Map<string, { value: unknown; expiresAt: number }>();
  get(key: string): unknown {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }
  set(key: string, value: unknown, options?: { maxAge?: number }): void {
    this.entries.set(key, { value, expiresAt: options?.maxAge === undefined ? Infinity : Date.now() + options.maxAge });
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
}
const store = new ExpiringMap();
const CLOCK_TOLERANCE = 15; // oidc-provider's default

// BASELINE_DATABASE_URL: persist in PostgreSQL (bench/baseline/pg-adapter.ts) instead of memory.
const databaseUrl = process.env.BASELINE_DATABASE_URL;
if (databaseUrl) await openBaselineDatabase(databaseUrl);

const provider = new Provider(issuer, {
  adapter: (model: string) => (databaseUrl ? new PgAdapter(model) : new MemoryAdapter(model, store, CLOCK_TOLERANCE)),
  clockTolerance: CLOCK_TOLERANCE,
  clients: [
    {
      client_id: 'bulk-exporter',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: bulkJwks,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: SCOPE,
      id_token_signed_response_alg: 'ES256',
    },
    {
      client_id: 'fhir-server',
      client_secret: clientSecret('fhir-server'),
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [],
      response_types: [],
      redirect_uris: [],
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [signingKey] },
  scopes: [SCOPE],
  enabledJWA: { clientAuthSigningAlgValues: ['ES256', 'ES384', 'RS256', 'RS384', 'PS256'] },
  cookies: { keys: ['bench-only-cookie-key'] },
  ttl: { ClientCredentials: 300 },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => undefined,
      useGrantedResource: async () => false,
      getResourceServerInfo: async (_ctx: unknown, resource: string) => {
        if (resource !== fhirBase) throw new errors.InvalidTarget();
        return { scope: SCOPE, accessTokenFormat: 'jwt', audience: fhirBase, accessTokenTTL: 300, jwt: { sign: { alg: 'ES256' } } };
      },
    },
  },
});
provider.on('server_error', (_ctx, error) => console.error('baseline server_error', error));

const server = createServer(provider.callback());
server.listen(port, '127.0.0.1', () => console.log(`oidc-provider baseline on ${issuer}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
