import type { Request } from 'express';

/**
 * True when a browser says this request comes from our own pages: Fetch
 * Metadata `Sec-Fetch-Site: same-origin` or, from browsers without it, an
 * `Origin` equal to the issuer's origin or to the origin the request was sent
 * to. A request with neither header is refused: browsers send one of them on
 * every POST, so only a cross-site forgery or a non-browser lacks both.
 */
export function isSameOriginRequest(req: Request, issuer: string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === 'null') return false;
  return origin === new URL(issuer).origin || origin === `${req.protocol}://${req.get('host') ?? ''}`;
}
