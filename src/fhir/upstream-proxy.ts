// Proxy mode (FHIR_UPSTREAM_URL): the FHIR API forwards each authorised request to any FHIR R4
// server, authenticating as configured, and rewrites the upstream's base URL to ours in bodies
// (Bundle links, fullUrls, references) and in Location headers.
import { FhirTimeoutError, FhirUnavailableError } from './errors.ts';
import type { BackendRequest, BackendResponse, FhirBackend } from './backend.ts';
import { buildQuery, DEFAULT_TIMEOUT_MS, parseBaseUrl } from './upstream-http.ts';

export type { UpstreamAuth } from './upstream-auth.ts';

/** The largest upstream body read (the gateway inspects what it returns). */
export const MAX_UPSTREAM_BODY_BYTES = 32 * 1024 * 1024;

export interface UpstreamProxyOptions {
  upstreamUrl: string;
  fhirBaseUrl: string;
  /** The Authorization header for the next request (upstreamAuthorization); undefined sends none. */
  authorize: () => Promise<string | undefined>;
  /** Bounds connecting, the headers and the whole body of one request. */
  timeoutMs?: number;
}

/** Reads at most `limit` bytes, else fails: an upstream cannot make us buffer without bound. */
async function boundedText(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw new FhirUnavailableError(`the FHIR server's answer is larger than ${limit} bytes`);
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

export function upstreamProxy(options: UpstreamProxyOptions): FhirBackend {
  const { base, displayBase } = parseBaseUrl(options.upstreamUrl);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ours = options.fhirBaseUrl;
  // JSON may escape '/' as '\/'; both spellings of the upstream base are rewritten.
  const rewrite = (text: string) => text.replaceAll(base, ours).replaceAll(base.replaceAll('/', '\\/'), ours);

  async function send(request: BackendRequest, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/fhir+json' };
    const auth = await options.authorize();
    if (auth) headers.authorization = auth;
    if (request.ifMatch) headers['if-match'] = request.ifMatch;
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] = 'application/fhir+json';
      // References and fullUrls an app sends name our base; the upstream knows its own.
      body = JSON.stringify(request.body).replaceAll(ours, base);
    }
    const query = buildQuery(request.query);
    return fetch(`${base}/${request.path}${query ? `?${query}` : ''}`, { method: request.method, headers, body, signal, redirect: 'manual' });
  }

  return {
    kind: 'upstream',
    writable: true,
    async handle(request) {
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const response = await send(request, signal);
        const text = await boundedText(response, MAX_UPSTREAM_BODY_BYTES);
        if (response.status >= 500)
          throw new FhirUnavailableError(`FHIR server ${displayBase} answered HTTP ${response.status}`);
        const result: BackendResponse = { status: response.status };
        if (text.trim()) {
          try {
            result.body = JSON.parse(rewrite(text)) as fhir4.Resource;
          } catch (cause) {
            throw new FhirUnavailableError(`FHIR server ${displayBase} answered with a body that is not JSON`, { cause });
          }
          if (typeof result.body !== 'object' || result.body === null || typeof result.body.resourceType !== 'string')
            throw new FhirUnavailableError(`FHIR server ${displayBase} answered with JSON that is not a FHIR resource`);
        }
        const location = response.headers.get('location') ?? response.headers.get('content-location');
        if (location) result.location = rewrite(new URL(location, `${base}/`).href);
        const etag = response.headers.get('etag');
        if (etag) result.etag = etag;
        const lastModified = response.headers.get('last-modified');
        if (lastModified) result.lastModified = lastModified;
        return result;
      } catch (error) {
        if (error instanceof FhirUnavailableError) throw error;
        if (signal.aborted)
          throw new FhirTimeoutError(`FHIR server ${displayBase} did not answer within ${timeoutMs} ms`, { cause: error });
        throw new FhirUnavailableError(`FHIR server ${displayBase} could not be reached`, { cause: error });
      }
    },
  };
}
