import type { RequestHandler } from 'express';
import { isLoopbackHost } from '../config/issuer-urls.ts';

/**
 * A developer opens http://127.0.0.1:3000 as often as http://localhost:3000,
 * but cookies, redirect URIs and the sample app's origin checks all follow the
 * issuer. A browser navigation to another loopback name of the issuer's port is
 * sent to the same path on the issuer's origin, so both work. Only loopback
 * names are rewritten: behind a proxy the Host header may legitimately differ
 * (and redirecting there could loop).
 */
export function canonicalLoopbackHost(issuer: string): RequestHandler {
  const home = new URL(issuer);
  if (!isLoopbackHost(home.hostname)) return (_req, _res, next) => next();
  const port = home.port || (home.protocol === 'https:' ? '443' : '80');
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !isNavigation(req.headers)) return next();
    const host = parseHost(req.headers.host);
    if (!host || host.hostname === home.hostname.toLowerCase() || !isLoopbackHost(host.hostname) || host.port !== port) return next();
    res.redirect(302, `${home.origin}${req.originalUrl}`);
  };
}

function isNavigation(headers: Record<string, string | string[] | undefined>): boolean {
  const mode = headers['sec-fetch-mode'];
  if (mode !== undefined) return mode === 'navigate';
  const accept = headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}

function parseHost(host: string | undefined): { hostname: string; port: string } | undefined {
  if (!host || !URL.canParse(`http://${host}`)) return undefined;
  const url = new URL(`http://${host}`);
  return { hostname: url.hostname.toLowerCase(), port: url.port || '80' };
}
