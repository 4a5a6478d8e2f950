import type { ClientConfig } from './schema.ts';

/**
 * `{issuer}` in a client's URLs stands for this service's public base URL, so
 * the demo clients (served by this service) work on any port and host.
 */
export const ISSUER_PLACEHOLDER = '{issuer}';

const URL_FIELDS = ['launchUri', 'jwksUri'] as const;

/** clients.json as parsed JSON, with `{issuer}` expanded in redirectUris, launchUri and jwksUri (before validation). */
export function expandIssuerPlaceholders(file: unknown, issuer: string): unknown {
  if (!isRecord(file) || !Array.isArray(file.clients)) return file;
  const expand = (value: unknown) => (typeof value === 'string' ? value.replaceAll(ISSUER_PLACEHOLDER, issuer) : value);
  return {
    ...file,
    clients: file.clients.map((client: unknown) => {
      if (!isRecord(client)) return client;
      const out: Record<string, unknown> = { ...client };
      if (Array.isArray(client.redirectUris)) out.redirectUris = client.redirectUris.map(expand);
      for (const field of URL_FIELDS) if (field in client) out[field] = expand(client[field]);
      return out;
    }),
  };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** localhost, 127.0.0.1 and [::1] are one machine: a developer opens whichever. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase());
}

function sameMachine(a: URL, b: URL): boolean {
  return a.hostname === b.hostname || (isLoopbackHost(a.hostname) && isLoopbackHost(b.hostname));
}

/**
 * Client URLs that point at a page this service serves, on its host but not at
 * its origin: a demo config written for another port (`http://localhost:3000/sample-app/`
 * while the issuer is `http://localhost:3011`). One line per URL, saying the fix.
 * (A native app's own loopback redirect, `http://127.0.0.1:8765/callback`, is fine.)
 */
export function foreignOriginWarnings(
  clients: readonly ClientConfig[],
  issuer: string,
  servedHere: (pathname: string) => boolean,
): string[] {
  const home = new URL(issuer);
  const warnings: string[] = [];
  for (const client of clients) {
    const urls: Array<[string, string | undefined]> = [
      ...client.redirectUris.map((uri, i): [string, string] => [`redirectUris[${i}]`, uri]),
      ['launchUri', client.launchUri],
    ];
    for (const [field, value] of urls) {
      if (!value) continue;
      const url = new URL(value);
      if (url.origin === home.origin || !sameMachine(url, home) || !servedHere(url.pathname)) continue;
      const path = `${url.pathname}${url.search}`;
      warnings.push(
        `smart-config/clients.json: client "${client.id}" ${field} ${value} is on this service's host but not on the issuer ${issuer}: ` +
          `write it as "${ISSUER_PLACEHOLDER}${path}" to follow the issuer`,
      );
    }
  }
  return warnings;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
