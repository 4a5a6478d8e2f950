// GETs against an upstream FHIR server, turning every way it can fail into FhirUnavailableError.
import { FhirUnavailableError } from './errors.ts';

export const DEFAULT_TIMEOUT_MS = 5000;

export interface UpstreamHttp {
  /** The base URL without credentials, for messages. */
  readonly displayBase: string;
  /**
   * GET `{base}/{path}?{query}` as FHIR JSON. Resolves `undefined` on 404 or 410 when
   * `absentOk`; `path` and `query` must already be validated and encoded by the caller.
   */
  getJson(path: string, query: string, what: string, absentOk: boolean): Promise<unknown>;
}

/** Percent-encodes each value; repeated keys are repeated parameters (FHIR ANDs them). */
export function buildQuery(params: ReadonlyArray<readonly [string, string | number]>): string {
  return params.map(([key, value]) => `${key}=${encodeURIComponent(String(value))}`).join('&');
}

/** FHIR search escaping (R4 search §3.1.1.2): `,` `$` `|` `\` in a value are literal, not syntax. */
export function escapeSearchValue(value: string): string {
  return value.replace(/[\\,$|]/g, (c) => `\\${c}`);
}

export interface UpstreamBase {
  base: string;
  displayBase: string;
  /** From `https://user:password@host/...`: fetch refuses URLs with credentials, so they become a header. */
  authorization?: string;
}

export function parseBaseUrl(baseUrl: string): UpstreamBase {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError('FHIR upstream URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`FHIR upstream URL must be http or https, not ${url.protocol}`);
  }
  if (url.search || url.hash) throw new TypeError('FHIR upstream URL must not have a query or fragment');
  const credentials = url.username || url.password
    ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
    : undefined;
  url.username = '';
  url.password = '';
  const base = url.href.replace(/\/+$/, '');
  const parsed: UpstreamBase = { base, displayBase: base };
  if (credentials) parsed.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  return parsed;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** `authorize` gives the Authorization header per request (proxy mode's upstream auth); default: the URL's credentials. */
export function upstreamHttp(
  baseUrl: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  authorize?: () => Promise<string | undefined>,
): UpstreamHttp {
  const { base, displayBase, authorization } = parseBaseUrl(baseUrl);
  const fixed: Record<string, string> = { accept: 'application/fhir+json' };
  if (authorization) fixed.authorization = authorization;

  async function getJson(path: string, query: string, what: string, absentOk: boolean): Promise<unknown> {
    const url = `${base}/${path}${query ? `?${query}` : ''}`;
    // One signal covers connecting, the headers and the body.
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const header = authorize ? await authorize() : undefined;
      const headers = header ? { ...fixed, authorization: header } : fixed;
      const response = await fetch(url, { headers, signal });
      if (absentOk && (response.status === 404 || response.status === 410)) {
        await response.body?.cancel();
        return undefined;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new FhirUnavailableError(`FHIR server ${displayBase} answered the ${what} with HTTP ${response.status}`);
      }
      const text = await response.text();
      try {
        return JSON.parse(text) as unknown;
      } catch (cause) {
        throw new FhirUnavailableError(`FHIR server ${displayBase} answered the ${what} with a body that is not JSON`, {
          cause,
        });
      }
    } catch (error) {
      if (error instanceof FhirUnavailableError) throw error;
      if (isTimeout(error)) {
        throw new FhirUnavailableError(
          `FHIR server ${displayBase} did not answer the ${what} within ${timeoutMs} ms`,
          { cause: error },
        );
      }
      throw new FhirUnavailableError(`FHIR server ${displayBase} could not be reached for the ${what}`, {
        cause: error,
      });
    }
  }

  return { displayBase, getJson };
}
