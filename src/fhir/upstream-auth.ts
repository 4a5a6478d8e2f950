// How the proxy authenticates to the upstream FHIR server (server.json `fhirUpstreamAuth`).
import { FhirTimeoutError, FhirUnavailableError } from './errors.ts';

export type UpstreamAuth =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'client_credentials'; tokenUrl: string; clientId: string; clientSecret: string; scope?: string | undefined };

/** A token is renewed this long before the upstream said it expires. */
const EARLY_RENEWAL_MS = 30_000;

/**
 * A function giving the Authorization header for the next upstream request: none, credentials
 * from the URL (Basic), a static bearer, or a client_credentials token (client_secret_basic)
 * fetched from the upstream's token URL and reused until shortly before it expires. Concurrent
 * requests share one token request.
 */
export function upstreamAuthorization(
  auth: UpstreamAuth,
  basic: string | undefined,
  timeoutMs: number,
): () => Promise<string | undefined> {
  if (auth.kind === 'none') return async () => basic;
  if (auth.kind === 'bearer') return async () => `Bearer ${auth.token}`;
  let current: { header: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'client_credentials', ...(auth.kind === 'client_credentials' && auth.scope ? { scope: auth.scope } : {}) });
    const { clientId, clientSecret, tokenUrl } = auth as Extract<UpstreamAuth, { kind: 'client_credentials' }>;
    const credentials = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    let response: Response;
    try {
      response = await fetch(tokenUrl, {
        method: 'POST',
        headers: { authorization: `Basic ${credentials}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
      const Failure = timedOut ? FhirTimeoutError : FhirUnavailableError;
      throw new Failure('the upstream FHIR server\'s token endpoint could not be reached', { cause });
    }
    const json = (await response.json().catch(() => undefined)) as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (!response.ok || typeof json?.access_token !== 'string')
      throw new FhirUnavailableError(`the upstream FHIR server's token endpoint answered HTTP ${response.status} without a token`);
    const lifetimeMs = typeof json.expires_in === 'number' ? json.expires_in * 1000 : 300_000;
    current = { header: `Bearer ${json.access_token}`, renewAt: Date.now() + Math.max(0, lifetimeMs - EARLY_RENEWAL_MS) };
    return current.header;
  }

  return async () => {
    if (current && Date.now() < current.renewAt) return current.header;
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
